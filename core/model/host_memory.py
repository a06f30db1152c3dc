"""Free host memory, and the default budget of recorded source K/V sized from it (no torch here)."""

from __future__ import annotations

import psutil

# Share of the host memory free at start-up that re-edit K/V may take by default; the rest is
# left for the model (offloaded weights live in host memory too) and other programs.
KV_SHARE_OF_FREE_MEMORY = 0.25
MAX_DEFAULT_KV_GB = 64.0
GB = 1024**3


def free_host_bytes() -> int:
    """Bytes of host memory available to new allocations now."""
    return int(psutil.virtual_memory().available)


def default_kv_cache_gb() -> float:
    """The default re-edit K/V budget in GiB: a quarter of the free host memory, at most 64, in 0.5 steps."""
    return min(MAX_DEFAULT_KV_GB, int(free_host_bytes() * KV_SHARE_OF_FREE_MEMORY / GB * 2) / 2)

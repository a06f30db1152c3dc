"""Size caps of the disk caches and their checks, importable without torch (the CLI's help shows them)."""

from __future__ import annotations

import math

from core.api.errors import ParameterError

DEFAULT_LATENT_CACHE_BYTES = 20 * 1000**3
DEFAULT_PROMPT_CACHE_BYTES = 2 * 1000**3
# A cache cap below this could not hold one inversion of a small photo; above it is a typo.
MIN_CACHE_GB, MAX_CACHE_GB = 0.01, 100_000.0


def cache_bytes_from_gb(gigabytes: float, what: str = "the latent cache size") -> int:
    """A cache cap given in GB (10**9 bytes) as bytes; refuses NaN, infinity and absurd sizes."""
    if isinstance(gigabytes, bool) or not isinstance(gigabytes, (int, float)) or not math.isfinite(gigabytes) or \
            not MIN_CACHE_GB <= gigabytes <= MAX_CACHE_GB:
        raise ParameterError(f"{what} must be from {MIN_CACHE_GB:g} to {MAX_CACHE_GB:g} GB (got {gigabytes})")
    return int(gigabytes * 1000**3)

"""Re-edit speed-up: the source row's image K/V at the vital layers, kept per source and step.

The source row of a Stable Flow edit follows a fixed trajectory, and attention never mixes
batch rows, so its keys and values at every vital layer and step are the same for every
edit of the same source. The first edit records them; later edits of that source replay
them and run only the edit rows (batch 1 instead of 2 for one edit).

Memory is bounded: entries go to the compute device while its budget lasts, then to host
memory (pinned when CUDA is used) while that budget lasts (by default a quarter of the
host memory free when the store is made); whatever does not fit is simply not stored, and
those steps run the source row again, so the speed-up shrinks to the share of steps that
fit. Least recently used sources are evicted first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Optional

import torch

from core.model.host_memory import GB, default_kv_cache_gb

DEFAULT_DEVICE_BUDGET = 0


@dataclass
class SourceKV:
    """Recorded K/V of one source: ``entries[(step, layer)] = (key, value)``."""

    layers: tuple[int, ...]
    entries: dict[tuple[int, int], tuple[torch.Tensor, torch.Tensor]] = field(default_factory=dict)
    device_bytes: int = 0
    host_bytes: int = 0

    def has_step(self, step: int) -> bool:
        """Whether every vital layer of ``step`` is recorded (only then can the source row be skipped)."""
        return all((step, layer) in self.entries for layer in self.layers)

    def get(self, step: int, layer: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """A recorded pair on ``device``."""
        key, value = self.entries[(step, layer)]
        return key.to(device, non_blocking=True), value.to(device, non_blocking=True)


class SourceKVStore:
    """Budgeted LRU of :class:`SourceKV` per source key."""

    def __init__(self, device_budget: int = DEFAULT_DEVICE_BUDGET, host_budget: Optional[int] = None) -> None:
        self.device_budget = device_budget
        self.host_budget = int(default_kv_cache_gb() * GB) if host_budget is None else host_budget
        self._sources: OrderedDict[str, SourceKV] = OrderedDict()

    @property
    def device_bytes(self) -> int:
        """Bytes held on the compute device."""
        return sum(s.device_bytes for s in self._sources.values())

    @property
    def host_bytes(self) -> int:
        """Bytes held in host memory."""
        return sum(s.host_bytes for s in self._sources.values())

    def source(self, key: str, layers: tuple[int, ...]) -> SourceKV:
        """The record for ``key`` (created empty if new); marks it most recently used."""
        record = self._sources.get(key)
        if record is None or record.layers != layers:
            record = SourceKV(layers)
            self._sources[key] = record
        self._sources.move_to_end(key)
        return record

    def store(self, record: SourceKV, step: int, layer: int, key: torch.Tensor, value: torch.Tensor) -> bool:
        """Keep a pair if a budget allows (evicting older sources first); False when it does not fit."""
        if (step, layer) in record.entries:
            return True
        size = key.numel() * key.element_size() + value.numel() * value.element_size()
        if self._make_room(record, size, "device"):
            record.entries[(step, layer)] = (_copy(key), _copy(value))
            record.device_bytes += size
            return True
        if self._make_room(record, size, "host"):
            record.entries[(step, layer)] = (_to_host(key), _to_host(value))
            record.host_bytes += size
            return True
        return False

    def _make_room(self, keep: SourceKV, size: int, tier: str) -> bool:
        budget = self.device_budget if tier == "device" else self.host_budget
        used = self.device_bytes if tier == "device" else self.host_bytes
        for other_key in list(self._sources):
            if used + size <= budget:
                break
            other = self._sources[other_key]
            if other is keep:
                continue
            used -= other.device_bytes if tier == "device" else other.host_bytes
            del self._sources[other_key]
        return used + size <= budget

    def clear(self) -> None:
        """Drop everything."""
        self._sources.clear()


def _copy(tensor: torch.Tensor) -> torch.Tensor:
    """A compact copy (the input is a view into the whole batch's K/V; keeping it would keep all of it)."""
    return tensor.detach().clone(memory_format=torch.contiguous_format)


def _to_host(tensor: torch.Tensor) -> torch.Tensor:
    if tensor.device.type == "cpu":
        return _copy(tensor)
    host = torch.empty(tensor.shape, dtype=tensor.dtype, pin_memory=tensor.device.type == "cuda")
    return host.copy_(tensor.detach())

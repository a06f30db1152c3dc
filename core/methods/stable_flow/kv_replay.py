"""Connecting a :class:`~core.methods.stable_flow.kv_cache.SourceKV` record to the injection processors for one run,
and what one step of a record weighs."""

from __future__ import annotations

import torch

from core.methods.stable_flow.injection import InjectionController
from core.methods.stable_flow.kv_cache import SourceKV, SourceKVStore
from core.model.flux_model import FluxModel


def source_kv_bytes_per_step(model: FluxModel, height: int, width: int, layers: tuple[int, ...]) -> int:
    """Bytes one step of a source's recorded image K/V takes at the given vital layers."""
    config = model.pipeline.transformer.config
    width_of_kv = config.num_attention_heads * config.attention_head_dim
    element = torch.empty((), dtype=model.dtype).element_size()
    return 2 * len(layers) * model.image_tokens(height, width) * width_of_kv * element


class SourceKVSession:
    """Per-run glue: records the source row's K/V at steps not yet stored, replays stored ones."""

    def __init__(self, store: SourceKVStore, record: SourceKV, device: torch.device) -> None:
        self.store = store
        self.record_entry = record
        self.device = device
        self.replayed_steps = 0

    def replay(self, controller: InjectionController, step: int) -> bool:
        """If ``step`` is fully recorded, make the processors inject the stored K/V and return True."""
        if not self.record_entry.has_step(step):
            return False
        record = self.record_entry

        def stored(layer: int, _key: torch.Tensor, _value: torch.Tensor):
            return record.get(controller.step, layer, self.device)

        controller.source_kv_hook = stored
        self.replayed_steps += 1
        return True

    def record(self, controller: InjectionController) -> None:
        """Let the processors store the source row's K/V of the step being run (within budget)."""
        store, record = self.store, self.record_entry

        def keep(layer: int, key: torch.Tensor, value: torch.Tensor):
            store.store(record, controller.step, layer, key, value)
            return key, value

        controller.source_kv_hook = keep

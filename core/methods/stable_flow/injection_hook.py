"""Stable Flow's hook into the sampling loop: vital-layer injection from row 0, and the
source row's recorded K/V (record at steps not yet stored, replay stored ones)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Optional

from diffusers import FluxTransformer2DModel

from core.methods.stable_flow.injection import InjectionController, vital_layer_injection
from core.methods.stable_flow.kv_replay import SourceKVSession


class InjectionHook:
    """A :class:`~core.sampling.sampler.StepHook`: installs the injection processors on ``vital_layers``
    for the run and tells them the step; with ``source_kv``, a step whose K/V are recorded
    lets the loop skip the (pinned) source row."""

    def __init__(self, transformer: FluxTransformer2DModel, vital_layers: tuple[int, ...], text_len: int,
                 source_kv: Optional[SourceKVSession] = None) -> None:
        self.transformer = transformer
        self.vital_layers = vital_layers
        self.source_kv = source_kv
        self.controller = InjectionController()
        self.controller.text_len = text_len

    def installed(self) -> AbstractContextManager[object]:
        """The injection processors, installed for the ``with`` body."""
        return vital_layer_injection(self.transformer, self.vital_layers, self.controller)

    def begin_step(self, step: int) -> bool:
        """Point the processors at ``step``; True when its source-row K/V are replayed."""
        self.controller.step = step
        if self.source_kv is None:
            return False
        if self.source_kv.replay(self.controller, step):
            return True
        self.source_kv.record(self.controller)
        return False

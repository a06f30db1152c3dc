"""Stable Flow's vital-layer attention injection as diffusers attention processors.

In every vital block, the image-token keys and values of every edit row (batch rows
1..B-1) are replaced by those of the source row (row 0). Queries, text tokens, MLPs and
modulation are untouched; non-vital blocks keep diffusers' own processor. The processors
are installed on the stock ``FluxTransformer2DModel`` with ``attn.set_processor`` for the
duration of a run and the originals are put back afterwards.

For ``torch.compile`` (regional compile of the repeated blocks) the processors are made
once per transformer and reused by every run, which only binds its own controller; and the
recorded-K/V hook runs outside the compiled graph: inside it, the hook's per-layer and
per-step integers would be baked into the graph, recompiling at every layer and step until
the recompile limit silently sent the blocks back to eager mode.
"""

from __future__ import annotations

import weakref
from contextlib import contextmanager
from typing import Callable, Iterator, Optional

import torch
from diffusers import FluxTransformer2DModel
from diffusers.models.attention_dispatch import dispatch_attention_fn
from diffusers.models.embeddings import apply_rotary_emb

from core.model.vital_layers import BlockLayout, block_layout

# (layer, image key of the source row, image value of the source row) -> (key, value) to inject.
SourceKVHook = Callable[[int, torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]


class InjectionController:
    """Per-run state shared by the vital-layer processors.

    ``text_len`` is the real text sequence length of the run (single blocks see the joint
    sequence and inject only positions ``text_len:``); ``step`` is the sampling step being
    evaluated (for hooks that record or replay per step). ``enabled`` turns injection off
    without reinstalling processors. ``source_kv_hook``, when set, sees the source row's
    image K/V at every vital layer and returns the K/V to inject (used to record or replay
    them for re-edits).
    """

    def __init__(self) -> None:
        self.text_len: int = 0
        self.step: int = 0
        self.enabled: bool = True
        self.source_kv_hook: Optional[SourceKVHook] = None


class VitalLayerAttnProcessor:
    """Attention processor for one vital block: stock FLUX attention plus K/V injection."""

    _attention_backend = None
    _parallel_config = None

    def __init__(self, controller: InjectionController, layer: int, single_stream: bool) -> None:
        self.controller = controller
        self.layer = layer
        self.single_stream = single_stream

    def _inject(self, key: torch.Tensor, value: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Copy row 0's image-token K/V into the other rows; (B, S, inner) in and out."""
        controller = self.controller
        start = controller.text_len if self.single_stream else 0
        source_key, source_value = key[:1, start:], value[:1, start:]
        if controller.source_kv_hook is not None:
            source_key, source_value = _run_source_kv_hook(self, source_key, source_value)
        if not controller.enabled:
            return key, value
        key, value = key.clone(), value.clone()
        key[:, start:] = source_key
        value[:, start:] = source_value
        return key, value

    def __call__(
        self,
        attn,
        hidden_states: torch.Tensor,
        encoder_hidden_states: Optional[torch.Tensor] = None,
        attention_mask: Optional[torch.Tensor] = None,
        image_rotary_emb: Optional[torch.Tensor] = None,
    ):
        if attn.fused_projections:
            query, key, value = attn.to_qkv(hidden_states).chunk(3, dim=-1)
        else:
            query, key, value = attn.to_q(hidden_states), attn.to_k(hidden_states), attn.to_v(hidden_states)
        # In a double block hidden_states holds only image tokens; in a single block it is the
        # joint sequence, whose image part starts at text_len.
        key, value = self._inject(key, value)

        query = attn.norm_q(query.unflatten(-1, (-1, attn.head_dim)))
        key = attn.norm_k(key.unflatten(-1, (-1, attn.head_dim)))
        value = value.unflatten(-1, (-1, attn.head_dim))

        if encoder_hidden_states is not None and attn.added_kv_proj_dim is not None:
            if attn.fused_projections:
                text_q, text_k, text_v = attn.to_added_qkv(encoder_hidden_states).chunk(3, dim=-1)
            else:
                text_q = attn.add_q_proj(encoder_hidden_states)
                text_k = attn.add_k_proj(encoder_hidden_states)
                text_v = attn.add_v_proj(encoder_hidden_states)
            text_q = attn.norm_added_q(text_q.unflatten(-1, (-1, attn.head_dim)))
            text_k = attn.norm_added_k(text_k.unflatten(-1, (-1, attn.head_dim)))
            text_v = text_v.unflatten(-1, (-1, attn.head_dim))
            query = torch.cat([text_q, query], dim=1)
            key = torch.cat([text_k, key], dim=1)
            value = torch.cat([text_v, value], dim=1)

        if image_rotary_emb is not None:
            query = apply_rotary_emb(query, image_rotary_emb, sequence_dim=1)
            key = apply_rotary_emb(key, image_rotary_emb, sequence_dim=1)

        hidden_states = dispatch_attention_fn(
            query, key, value, attn_mask=attention_mask, backend=self._attention_backend,
            parallel_config=self._parallel_config,
        )
        hidden_states = hidden_states.flatten(2, 3).to(query.dtype)

        if encoder_hidden_states is None:
            return hidden_states
        text_len = encoder_hidden_states.shape[1]
        encoder_hidden_states, hidden_states = hidden_states[:, :text_len], hidden_states[:, text_len:]
        hidden_states = attn.to_out[1](attn.to_out[0](hidden_states.contiguous()))
        encoder_hidden_states = attn.to_add_out(encoder_hidden_states.contiguous())
        return hidden_states, encoder_hidden_states


@torch.compiler.disable
def _run_source_kv_hook(
    processor: VitalLayerAttnProcessor, key: torch.Tensor, value: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The controller's K/V hook for the processor's layer, run eagerly (see the module docstring)."""
    return processor.controller.source_kv_hook(processor.layer, key, value)


# transformer -> {global layer index: its processor}, made on first use and kept with the model.
_PROCESSORS: "weakref.WeakKeyDictionary[FluxTransformer2DModel, dict[int, VitalLayerAttnProcessor]]" = (
    weakref.WeakKeyDictionary()
)


def _processor(transformer: FluxTransformer2DModel, index: int, attn, single: bool) -> VitalLayerAttnProcessor:
    """The transformer's one processor for layer ``index`` (created the first time)."""
    processors = _PROCESSORS.setdefault(transformer, {})
    if index not in processors:
        processors[index] = VitalLayerAttnProcessor(InjectionController(), index, single)
    processor = processors[index]
    processor._attention_backend = getattr(attn.processor, "_attention_backend", None)
    processor._parallel_config = getattr(attn.processor, "_parallel_config", None)
    return processor


def _attention_modules(transformer: FluxTransformer2DModel, layout: BlockLayout) -> list[tuple[int, object, bool]]:
    modules = [(i, block.attn, False) for i, block in enumerate(transformer.transformer_blocks)]
    modules += [(layout.num_double + i, block.attn, True) for i, block in enumerate(transformer.single_transformer_blocks)]
    return modules


@contextmanager
def vital_layer_injection(
    transformer: FluxTransformer2DModel, layers: tuple[int, ...], controller: InjectionController
) -> Iterator[InjectionController]:
    """Install the transformer's injection processors on ``layers`` (global indices), bound to
    ``controller``, for the ``with`` body."""
    layout = block_layout(transformer)
    chosen = set(layers)
    originals = []
    for index, attn, single in _attention_modules(transformer, layout):
        if index in chosen:
            originals.append((attn, attn.processor))
            processor = _processor(transformer, index, attn, single)
            processor.controller = controller
            attn.set_processor(processor)
    try:
        yield controller
    finally:
        for attn, processor in originals:
            attn.set_processor(processor)

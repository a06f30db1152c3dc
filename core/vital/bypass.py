"""Bypassing one transformer block: the block becomes the identity, its residual path only.

A bypassed double block returns its text and image streams unchanged; a bypassed single
block returns the joint sequence unchanged (diffusers' single block takes and returns the
text and image parts separately, so it too returns its inputs). The block is swapped out
of the stock transformer's ``ModuleList`` for a stand-in for the duration of a ``with``
body, so its compute is skipped entirely and diffusers itself is untouched.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Optional

import torch
from diffusers import FluxTransformer2DModel
from torch import nn

from core.api.errors import ParameterError
from core.model.vital_layers import block_layout


class BypassedBlock(nn.Module):
    """Stands in for a FLUX double or single block and returns its inputs unchanged.

    It has the blocks' call signature and their return order: ``(encoder_hidden_states,
    hidden_states)``, i.e. (text stream, image stream).
    """

    def forward(
        self,
        hidden_states: torch.Tensor,
        encoder_hidden_states: torch.Tensor,
        temb: Optional[torch.Tensor] = None,
        image_rotary_emb: Any = None,
        joint_attention_kwargs: Optional[dict] = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        return encoder_hidden_states, hidden_states


def _block_slot(transformer: FluxTransformer2DModel, layer: int) -> tuple[nn.ModuleList, int]:
    """The ModuleList holding global layer ``layer`` and its index in that list."""
    layout = block_layout(transformer)
    if not 0 <= layer < layout.num_layers:
        raise ParameterError(
            f"block {layer} does not exist: this model has {layout.num_layers} blocks (0 to {layout.num_layers - 1})"
        )
    if layer < layout.num_double:
        return transformer.transformer_blocks, layer
    return transformer.single_transformer_blocks, layer - layout.num_double


@contextmanager
def bypassed_block(transformer: FluxTransformer2DModel, layer: Optional[int]) -> Iterator[None]:
    """Bypass global layer ``layer`` for the ``with`` body; ``None`` bypasses nothing.

    The original block is put back afterwards, also when the body raises.
    """
    if layer is None:
        yield
        return
    blocks, index = _block_slot(transformer, layer)
    original = blocks[index]
    blocks[index] = BypassedBlock()
    try:
        yield
    finally:
        blocks[index] = original

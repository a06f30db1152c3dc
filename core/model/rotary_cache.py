"""FLUX's rotary position embeddings, computed once per image size and text length.

The transformer recomputes them (in float64) from the position ids on every call, though
they only change with the image size and text length. :func:`cache_rotary_embeddings`
puts a caching wrapper in place of the transformer's ``pos_embed`` submodule (ordinary
``nn.Module`` assignment; diffusers' code is unchanged): it returns the stored embeddings
while the position ids are equal to the last ones, so results are identical.
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn


class CachedRotaryEmbedding(nn.Module):
    """Wraps a position-embedding module; recomputes only when the position ids change."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner
        self.computed = 0
        self._ids: Optional[torch.Tensor] = None
        self._embeddings: Optional[tuple[torch.Tensor, torch.Tensor]] = None

    def forward(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The embeddings of ``ids`` (the stored ones when ``ids`` equal the last ids)."""
        last = self._ids
        if last is None or last.shape != ids.shape or last.device != ids.device or not torch.equal(last, ids):
            self._embeddings = self.inner(ids)
            self._ids = ids.detach().clone()
            self.computed += 1
        return self._embeddings


def cache_rotary_embeddings(transformer: nn.Module) -> CachedRotaryEmbedding:
    """Give ``transformer`` a caching ``pos_embed`` (once); returns it."""
    if not isinstance(transformer.pos_embed, CachedRotaryEmbedding):
        transformer.pos_embed = CachedRotaryEmbedding(transformer.pos_embed)
    return transformer.pos_embed

"""Turning per-prompt similarities into per-layer vitality, a ranking and a chosen set."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

from core.api.errors import ParameterError

DEFAULT_TOP_K = 10


@dataclass(frozen=True)
class LayerScores:
    """Mean DINOv2 similarity of each layer's bypassed images to the full images.

    ``mean_similarity[l]`` is the mean over prompts for global layer ``l``;
    ``vitality(l) = 1 - mean_similarity[l]``: the more the image changes without the
    block, the more vital the block.
    """

    mean_similarity: tuple[float, ...]

    @classmethod
    def from_similarities(cls, similarities: Sequence[Sequence[float]]) -> "LayerScores":
        """Average a prompts x layers similarity matrix over prompts."""
        if not similarities:
            raise ParameterError("no similarities to score: at least one prompt is needed")
        columns = zip(*similarities)
        return cls(tuple(math.fsum(column) / len(similarities) for column in columns))

    @property
    def num_layers(self) -> int:
        """How many layers were scored."""
        return len(self.mean_similarity)

    @property
    def vitality(self) -> tuple[float, ...]:
        """``1 - mean similarity`` per layer."""
        return tuple(1.0 - s for s in self.mean_similarity)

    def ranking(self) -> list[int]:
        """Layers from most to least vital; equal vitality keeps the lower index first."""
        vitality = self.vitality
        return sorted(range(self.num_layers), key=lambda layer: (-vitality[layer], layer))


def check_selection(top_k: Optional[int], threshold: Optional[float], num_layers: Optional[int] = None) -> None:
    """Refuse a selection that cannot work; ``num_layers`` None skips the size check."""
    if top_k is not None and threshold is not None:
        raise ParameterError("choose the vital set by --top-k or by --threshold, not both")
    if top_k is not None:
        if top_k < 1:
            raise ParameterError(f"--top-k must be at least 1 (got {top_k})")
        if num_layers is not None and top_k > num_layers:
            raise ParameterError(
                f"--top-k {top_k} is more than this model's {num_layers} blocks: choose at most {num_layers}"
            )
    if threshold is not None and not math.isfinite(threshold):
        raise ParameterError(f"--threshold must be a number (got {threshold})")


def choose_layers(
    scores: LayerScores, top_k: Optional[int] = None, threshold: Optional[float] = None
) -> tuple[int, ...]:
    """The vital set, sorted: the ``top_k`` most vital layers, or those with vitality above ``threshold``.

    With neither given, the top :data:`DEFAULT_TOP_K`.
    """
    if top_k is None and threshold is None:
        top_k = DEFAULT_TOP_K
    check_selection(top_k, threshold, scores.num_layers)
    if threshold is not None:
        return tuple(layer for layer, value in enumerate(scores.vitality) if value > threshold)
    return tuple(sorted(scores.ranking()[:top_k]))

"""The automatic memory mode: the fastest placement whose expected peak fits the card.

On CUDA the card's free memory (plus what this process already holds and would give back)
is compared with :func:`core.model.memory_estimate.estimate_peak_gb` for the edit's real size,
batch and text length, rung by rung down :data:`LADDER`. FP8 weights come before any
offloading because with them the transformer alone (12 GB) needs half of bf16's 24 GB, so
every lower rung keeps FP8 except sequential offload: accelerate's sequential offload moves
parameters, not buffers, and FP8 weights are buffers (they would all stay on the GPU).
On the CPU and on Apple MPS (unified memory) the answer is always "none".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch

from core.model.devices import MemoryMode
from core.model.memory_estimate import GB, ModelSize, estimate_peak_gb
from core.rules.prompts import MAX_SEQUENCE_LENGTH

# Fraction of the available memory an estimate may use: the rest absorbs the CUDA context,
# allocator fragmentation and the estimate's own error.
USABLE_FRACTION = 0.9


@dataclass(frozen=True)
class Placement:
    """A memory mode together with the transformer's weight precision."""

    mode: MemoryMode
    weights: str = "model"

    @property
    def label(self) -> str:
        """How the status bar names it."""
        fp8 = self.weights == "fp8"
        if self.mode is MemoryMode.NONE:
            return "FP8 weights" if fp8 else "16-bit weights"
        names = {MemoryMode.MODEL_CPU_OFFLOAD: "model offload", MemoryMode.GROUP_OFFLOAD: "group offload",
                 MemoryMode.SEQUENTIAL_CPU_OFFLOAD: "sequential offload"}
        name = names[self.mode]
        return f"FP8 weights + {name}" if fp8 else name[0].upper() + name[1:]


# Fastest first; each rung needs less memory than the one before it (tested).
LADDER = (
    Placement(MemoryMode.NONE, "model"),
    Placement(MemoryMode.NONE, "fp8"),
    Placement(MemoryMode.MODEL_CPU_OFFLOAD, "fp8"),
    Placement(MemoryMode.GROUP_OFFLOAD, "fp8"),
    Placement(MemoryMode.SEQUENTIAL_CPU_OFFLOAD, "model"),
)


@dataclass(frozen=True)
class EditShape:
    """What of an edit decides its memory: image size, batch rows, text tokens."""

    height: int = 1024
    width: int = 1024
    batch: int = 2
    text_len: int = MAX_SEQUENCE_LENGTH

    @classmethod
    def of_request(cls, request) -> "EditShape":
        """The shape of an :class:`core.api.requests.EditRequest` (source row plus one per edit prompt)."""
        if request.image is not None:
            width, height = request.image.size
        elif request.source is not None:
            height, width = request.source.height, request.source.width
        else:
            height, width = request.height, request.width
        # No text length yet means the model's own: at most FLUX's, an upper bound for the estimate.
        text = MAX_SEQUENCE_LENGTH if request.max_sequence_length is None else request.max_sequence_length
        return cls(height, width, 1 + len(request.target_prompts), text)


@dataclass(frozen=True)
class CardMemory:
    """GiB this process could use on the card (free plus what it already holds) and the card's total."""

    available_gb: float
    total_gb: float


@dataclass(frozen=True)
class AutoChoice:
    """The chosen placement and the one-line reason the status bar shows."""

    placement: Placement
    reason: str


def card_memory(device: torch.device) -> Optional[CardMemory]:
    """The CUDA card's memory, or None for a CPU or MPS device (where auto means "none")."""
    if device.type != "cuda" or not torch.cuda.is_available():
        return None
    free, total = torch.cuda.mem_get_info(device)
    held = torch.cuda.memory_reserved(device)
    return CardMemory(min(total, free + held) / GB, total / GB)


def peak_gb(placement: Placement, shape: EditShape, size: ModelSize = ModelSize()) -> float:
    """The expected peak of ``placement`` for an edit of ``shape``."""
    return estimate_peak_gb(placement.mode, height=shape.height, width=shape.width, batch=shape.batch,
                            text_len=shape.text_len, weights=placement.weights, size=size)


def fits(placement: Placement, shape: EditShape, card: CardMemory, size: ModelSize = ModelSize()) -> bool:
    """Whether ``placement``'s expected peak fits the card with the safety margin."""
    return peak_gb(placement, shape, size) <= card.available_gb * USABLE_FRACTION


def _ladder(weights: str) -> tuple[Placement, ...]:
    """The rungs open to a user who chose ``weights`` (FP8 chosen by hand is never undone)."""
    return LADDER[1:] if weights == "fp8" else LADDER


def choose_placement(
    card: Optional[CardMemory], shape: EditShape = EditShape(), weights: str = "model",
    size: ModelSize = ModelSize(),
) -> AutoChoice:
    """The fastest rung that fits ``card`` for ``shape``; "none" without a CUDA card."""
    if card is None:
        return AutoChoice(Placement(MemoryMode.NONE, weights), "everything in memory (automatic: no CUDA GPU)")
    ladder = _ladder(weights)
    have = f"this card has {card.available_gb:.0f} GB free"
    for index, placement in enumerate(ladder):
        if fits(placement, shape, card, size):
            need = f"needs ~{peak_gb(placement, shape, size):.0f} GB"
            if index > 0:
                faster = ladder[index - 1]
                need = f"the faster {faster.label} needs ~{peak_gb(faster, shape, size):.0f} GB"
            return AutoChoice(placement, f"{placement.label} ({need}; {have})")
    last = ladder[-1]
    return AutoChoice(last, f"{last.label} (even it needs ~{peak_gb(last, shape, size):.0f} GB; {have}: "
                            "edits may run out of memory, try a smaller size)")


def keep_or_choose(
    current: Optional[Placement], card: Optional[CardMemory], shape: EditShape, weights: str = "model",
    size: ModelSize = ModelSize(),
) -> Optional[AutoChoice]:
    """Per-edit re-check: None when the loaded ``current`` still fits (no reload), else a new choice.

    A placement that fits is kept even when a faster one would fit too: moving up means
    reloading the model, which costs more than the edit gains.
    """
    if current is not None and (card is None or fits(current, shape, card, size)):
        return None
    return choose_placement(card, shape, weights, size)


def lower_placement(current: Placement, shape: EditShape = EditShape(), size: ModelSize = ModelSize()) -> Optional[Placement]:
    """The fastest rung expected to need less memory than ``current`` (None below the last)."""
    need = peak_gb(current, shape, size)
    return next((rung for rung in LADDER if rung != current and peak_gb(rung, shape, size) < need), None)

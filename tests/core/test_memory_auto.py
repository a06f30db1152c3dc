"""The automatic memory mode: which placement each card size and batch gets, and the OOM fallback."""

import pytest
import torch

from core.model.devices import MemoryMode
from core.model.measured_peaks import MEASURED_PEAKS, MeasuredPeak, estimate_error
from core.model.memory_auto import (
    LADDER,
    CardMemory,
    EditShape,
    Placement,
    card_memory,
    choose_placement,
    keep_or_choose,
    lower_placement,
    peak_gb,
)
from core.model.loading import ModelSpec, load_model


def _card(total_gb: float) -> CardMemory:
    """A card of ``total_gb`` with what a desktop and the CUDA context usually take already gone."""
    return CardMemory(total_gb * 0.97, total_gb)


@pytest.mark.parametrize(("total_gb", "batch", "mode", "weights"), [
    (80, 2, MemoryMode.NONE, "model"),
    (80, 9, MemoryMode.NONE, "model"),
    (48, 2, MemoryMode.NONE, "model"),
    (24, 2, MemoryMode.NONE, "fp8"),
    (24, 5, MemoryMode.NONE, "fp8"),
    (16, 2, MemoryMode.MODEL_CPU_OFFLOAD, "fp8"),
    (16, 9, MemoryMode.GROUP_OFFLOAD, "fp8"),  # a batch of 8 variations needs a lower mode than one edit
    (12, 2, MemoryMode.GROUP_OFFLOAD, "fp8"),
    (8, 2, MemoryMode.SEQUENTIAL_CPU_OFFLOAD, "model"),
])
def test_auto_picks_the_fastest_mode_that_fits_the_card(total_gb, batch, mode, weights):
    choice = choose_placement(_card(total_gb), EditShape(1024, 1024, batch, 512))
    assert choice.placement == Placement(mode, weights)
    assert choice.placement.label in choice.reason and f"{total_gb * 0.97:.0f} GB free" in choice.reason


def test_the_reason_names_what_the_faster_mode_would_need():
    reason = choose_placement(_card(24)).reason
    assert reason.startswith("FP8 weights (the faster 16-bit weights needs ~31 GB; this card has 23 GB free")


def test_larger_images_need_lower_modes():
    small = choose_placement(_card(16), EditShape(512, 512, 2, 512)).placement
    large = choose_placement(_card(16), EditShape(2048, 2048, 2, 512)).placement
    assert LADDER.index(large) > LADDER.index(small)


def test_fp8_chosen_by_hand_is_kept_and_nothing_fitting_says_so():
    assert choose_placement(_card(80), weights="fp8").placement == Placement(MemoryMode.NONE, "fp8")
    tiny_card = choose_placement(_card(2))
    assert tiny_card.placement.mode is MemoryMode.SEQUENTIAL_CPU_OFFLOAD and "may run out of memory" in tiny_card.reason


def test_without_a_cuda_card_auto_means_none():
    assert card_memory(torch.device("cpu")) is None
    assert choose_placement(None).placement == Placement(MemoryMode.NONE, "model")
    model = load_model(ModelSpec(model="tiny-random", device="cpu"))
    assert model.placement == Placement(MemoryMode.NONE, "model") and "no CUDA GPU" in model.placement_reason


def test_every_rung_needs_less_memory_than_the_one_before():
    for shape in (EditShape(), EditShape(512, 512, 2, 77), EditShape(2048, 2048, 9, 512)):
        peaks = [peak_gb(rung, shape) for rung in LADDER]
        assert peaks == sorted(peaks, reverse=True) and len(set(peaks)) == len(peaks)


def test_out_of_memory_drops_exactly_one_rung():
    for upper, lower in zip(LADDER, LADDER[1:]):
        assert lower_placement(upper) == lower
    assert lower_placement(LADDER[-1]) is None
    # A mode chosen by hand that is not on the ladder drops to the fastest rung needing less.
    assert lower_placement(Placement(MemoryMode.MODEL_CPU_OFFLOAD, "model")) == Placement(MemoryMode.NONE, "fp8")


def test_per_edit_recheck_keeps_a_fitting_mode_and_lowers_one_that_does_not_fit():
    loaded = Placement(MemoryMode.MODEL_CPU_OFFLOAD, "fp8")
    assert keep_or_choose(loaded, _card(16), EditShape(batch=2)) is None
    lowered = keep_or_choose(loaded, _card(16), EditShape(batch=9))
    assert lowered is not None and lowered.placement == Placement(MemoryMode.GROUP_OFFLOAD, "fp8")
    assert keep_or_choose(None, _card(80), EditShape()).placement == LADDER[0]
    assert keep_or_choose(loaded, None, EditShape()) is None


@pytest.mark.parametrize("row", MEASURED_PEAKS, ids=lambda row: f"{row.gpu}-{row.mode.value}-{row.weights}")
def test_estimates_cover_every_measured_peak(row):
    assert estimate_error(row) == ""


def test_the_measured_peak_check_catches_a_wrong_estimate():
    shape = EditShape()
    estimate = peak_gb(Placement(MemoryMode.NONE, "fp8"), shape)
    under = MeasuredPeak("H100", MemoryMode.NONE, "fp8", shape, estimate + 1)
    over = MeasuredPeak("H100", MemoryMode.NONE, "fp8", shape, estimate - 10)
    close = MeasuredPeak("H100", MemoryMode.NONE, "fp8", shape, estimate - 1)
    assert "below the measured" in estimate_error(under)
    assert "far above" in estimate_error(over)
    assert estimate_error(close) == ""

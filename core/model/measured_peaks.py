"""Peak GPU memory measured by benchmarks/gpu_check.sh, the reference the estimates are tested against.

One row per measured edit. The table is empty until a GPU run exists: the engine has not
run on a GPU yet (no GPU was lent to the sessions that built it). After a run, copy the
rows that ``benchmarks/gpu_summary.py`` prints into :data:`MEASURED_PEAKS`; the test
``tests/core/test_memory_auto.py`` then checks every estimate against them.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.model.devices import MemoryMode
from core.model.memory_auto import EditShape, Placement, peak_gb


@dataclass(frozen=True)
class MeasuredPeak:
    """``torch.cuda.max_memory_allocated`` of one Stable Flow photo edit, in GiB."""

    gpu: str
    mode: MemoryMode
    weights: str
    shape: EditShape
    peak_gb: float


MEASURED_PEAKS: tuple[MeasuredPeak, ...] = ()

# An estimate may exceed the measurement by this much (it must never fall below it:
# an estimate below the real peak is an edit that runs out of memory).
ALLOWED_OVERESTIMATE_GB = 4.0


def estimate_error(row: MeasuredPeak) -> str:
    """Empty when the estimate covers ``row`` closely enough, else what is wrong."""
    estimate = peak_gb(Placement(row.mode, row.weights), row.shape)
    if estimate < row.peak_gb:
        return f"{row.gpu} {row.mode.value}/{row.weights}: estimate {estimate} GB is below the measured {row.peak_gb} GB"
    if estimate > row.peak_gb + ALLOWED_OVERESTIMATE_GB:
        return f"{row.gpu} {row.mode.value}/{row.weights}: estimate {estimate} GB is far above the measured {row.peak_gb} GB"
    return ""

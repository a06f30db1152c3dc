"""Time-left estimates for the status bar (no Qt)."""

from __future__ import annotations

import time
from typing import Callable, Optional

PHASE_NAMES = {
    "encode": "Encoding",
    "invert": "Inverting the photo",
    "edit": "Editing",
    "sample": "Sampling",
    "decode": "Decoding",
    "compile": "Compiling the model for this size (once)",
    "check": "Checking the inversion",
}


class EtaEstimator:
    """Average time per step within the current phase, extrapolated to the phase's end."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._phase: Optional[str] = None
        self._start = 0.0
        self._first_step = 0

    def update(self, phase: str, step: int, total: int) -> Optional[float]:
        """Record that ``step`` of ``total`` finished; seconds left in the phase, or None if unknown yet."""
        now = self._clock()
        if phase != self._phase or step <= self._first_step:
            self._phase, self._start, self._first_step = phase, now, step
            return None
        per_step = (now - self._start) / (step - self._first_step)
        return per_step * max(total - step, 0)


def describe_progress(phase: str, step: int, total: int, seconds_left: Optional[float]) -> str:
    """'Editing 3/15 · about 12 s left'."""
    text = f"{PHASE_NAMES.get(phase, phase.capitalize())} {step}/{total}"
    if seconds_left is None or step >= total:
        return text
    if seconds_left < 60:
        return f"{text} · about {max(1, round(seconds_left))} s left"
    return f"{text} · about {round(seconds_left / 60)} min left"

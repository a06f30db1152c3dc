"""The whole job's progress and time left for the status bar (no Qt)."""

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


# Steps a generated start spends making its source (core.methods.common.GENERATED_STEPS).
GENERATED_SOURCE_STEPS = 15
# Methods that invert a photo before editing it.
INVERTING_METHODS = frozenset({"stable-flow", "dual"})


def plan_phases(method: str, start_kind: str, steps: int) -> list[tuple[str, int]]:
    """The phases an edit is expected to go through, with their step counts (a first guess:
    :class:`JobProgress` corrects it from the events)."""
    plan: list[tuple[str, int]] = []
    if start_kind == "photo":
        plan.append(("encode", 1))
        if method in INVERTING_METHODS:
            plan.append(("invert", steps))
    elif start_kind == "generated" and method != "stable-flow":
        plan.append(("sample", GENERATED_SOURCE_STEPS))
    plan += [("edit", steps), ("decode", 1)]
    return plan


class JobProgress:
    """One bar and one time-left estimate for a whole job, over all its phases.

    The plan lists the expected phases and steps; a phase that reports is given its real
    step count, one that was not planned is inserted where it happens, and planned phases
    that were skipped (an inversion found in the cache) are dropped. Time left is the
    current phase's remaining steps at its own measured rate plus the later phases' steps
    at the job's average rate so far.
    """

    def __init__(self, plan: list[tuple[str, int]], clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._phases = [[name, max(1, total)] for name, total in plan]
        self._current = -1
        self._done_before = 0  # steps of the phases finished before the current one
        self._step = 0
        self._job_start = clock()
        self._job_first_units: Optional[int] = None
        self._phase_start = self._job_start
        self._phase_first_step = 0

    def update(self, phase: str, step: int, total: int) -> tuple[int, int, Optional[float]]:
        """Record ``step`` of ``total`` in ``phase``; returns (steps done, steps in the job, seconds left or None)."""
        now = self._clock()
        if self._current < 0 or phase != self._phases[self._current][0]:
            self._enter(phase, total, now, step)
        self._phases[self._current][1] = max(1, total)
        self._step = min(step, total)
        done = self._done_before + self._step
        all_steps = self._done_before + sum(steps for _name, steps in self._phases[self._current:])
        if self._job_first_units is None:
            self._job_first_units = done
        return done, all_steps, self._seconds_left(now, done, all_steps)

    def _enter(self, phase: str, total: int, now: float, step: int) -> None:
        if self._current >= 0:
            self._done_before += self._phases[self._current][1]
        later = [index for index in range(self._current + 1, len(self._phases)) if self._phases[index][0] == phase]
        if later:  # a planned phase: the ones planned before it were skipped
            del self._phases[self._current + 1:later[0]]
        else:
            self._phases.insert(self._current + 1, [phase, max(1, total)])
        self._current += 1
        self._phase_start, self._phase_first_step = now, step

    def _seconds_left(self, now: float, done: int, all_steps: int) -> Optional[float]:
        phase_steps = self._step - self._phase_first_step
        job_steps = done - (self._job_first_units or 0)
        if job_steps <= 0:
            return None
        job_rate = (now - self._job_start) / job_steps
        # A phase that just began is assumed to go at the job's rate until it has a rate of its own.
        phase_rate = (now - self._phase_start) / phase_steps if phase_steps > 0 else job_rate
        in_phase = self._phases[self._current][1] - self._step
        after = all_steps - done - in_phase
        return phase_rate * in_phase + job_rate * after


def describe_progress(phase: str, step: int, total: int, seconds_left: Optional[float]) -> str:
    """'Editing 3/15 · about 12 s left'."""
    text = f"{PHASE_NAMES.get(phase, phase.capitalize())} {step}/{total}"
    if seconds_left is None or step >= total:
        return text
    if seconds_left < 60:
        return f"{text} · about {max(1, round(seconds_left))} s left"
    return f"{text} · about {round(seconds_left / 60)} min left"

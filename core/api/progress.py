"""Progress reporting and cancellation shared by every long-running engine call."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Optional

import torch

from core.api.errors import Cancelled, NonFiniteError


@dataclass(frozen=True)
class ProgressEvent:
    """One finished unit of work.

    ``phase`` names the stage ("encode", "invert", "edit", "decode", ...), ``step`` counts
    finished steps of that stage (1-based) out of ``total``. ``latents`` is the batch of
    packed latents after the step, for previews; it must not be modified.
    """

    phase: str
    step: int
    total: int
    latents: Optional[torch.Tensor] = None


ProgressCallback = Callable[[ProgressEvent], None]


class CancelToken:
    """A thread-safe flag; the engine checks it between steps and raises :class:`Cancelled`."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the running job to stop at the next step boundary."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise :class:`Cancelled` if the token was cancelled."""
        if self._event.is_set():
            raise Cancelled()


@dataclass
class JobControl:
    """What a running engine call reports to and listens to: progress and a cancel token."""

    on_progress: Optional[ProgressCallback] = None
    cancel: Optional[CancelToken] = None

    def step(self, phase: str, step: int, total: int, latents: Optional[torch.Tensor] = None) -> None:
        """Report a finished step, then stop if cancellation was requested.

        Latents holding NaN or infinity stop the job with :class:`NonFiniteError` before they
        are reported, so a broken inversion is never cached and no black image is returned.
        """
        if latents is not None and not bool(torch.isfinite(latents).all()):
            raise NonFiniteError(
                f"the {phase} step {step} of {total} produced NaN or infinite values, so the job was stopped: "
                "try another precision (float32 or bfloat16) or a lower guidance"
            )
        if self.on_progress is not None:
            self.on_progress(ProgressEvent(phase, step, total, latents))
        if self.cancel is not None:
            self.cancel.raise_if_cancelled()

    def check(self) -> None:
        """Stop if cancellation was requested."""
        if self.cancel is not None:
            self.cancel.raise_if_cancelled()

"""A terminal progress bar (steps and time left) fed by engine progress events."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # the commands import this before torch loads
    from core.api.progress import ProgressEvent

_PHASE_NAMES = {"invert": "inverting", "edit": "editing", "sample": "sampling", "encode": "encoding",
                "decode": "decoding", "detect": "detecting", "check": "checking inversion"}


class TerminalProgress:
    """Shows one tqdm bar per phase on a terminal; silent when stderr is not a terminal."""

    def __init__(self, enabled: Optional[bool] = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar = None
        self._phase: Optional[str] = None

    def __call__(self, event: ProgressEvent) -> None:
        if not self.enabled or event.total <= 1:
            return
        from tqdm import tqdm

        if event.phase != self._phase or self._bar is None:
            self.close()
            self._phase = event.phase
            self._bar = tqdm(total=event.total, desc=_PHASE_NAMES.get(event.phase, event.phase), unit="step",
                             file=sys.stderr, leave=True, dynamic_ncols=True)
        self._bar.update(event.step - self._bar.n)
        if event.step >= event.total:
            self.close()

    def close(self) -> None:
        """Finish the current bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
            self._phase = None

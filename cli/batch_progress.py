"""One terminal progress bar over a batch's photos: done, failed, time left and photos per hour."""

from __future__ import annotations

import sys
import time
from typing import Optional

from core.batch.report import PhotoResult


class BatchProgress:
    """A tqdm bar counting finished photos; silent when stderr is not a terminal (or when disabled)."""

    def __init__(self, total: int, label: str = "photos", enabled: Optional[bool] = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.total = total
        self.finished = self.failed = self.computed = 0
        self._started = time.monotonic()
        self._bar = None
        if self.enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=label, unit="photo", file=sys.stderr, dynamic_ncols=True)

    def photos_per_hour(self) -> float:
        """Photos edited (not resumed) per hour so far."""
        elapsed = time.monotonic() - self._started
        return self.computed * 3600 / elapsed if elapsed > 0 and self.computed else 0.0

    def __call__(self, index: int, result: PhotoResult) -> None:
        if result.status not in ("done", "failed"):
            return
        self.finished += 1
        self.failed += result.status == "failed"
        self.computed += result.status == "done" and not result.resumed
        if self._bar is not None:
            self._bar.set_postfix_str(f"{self.photos_per_hour():.0f} photos/hour, {self.failed} failed")
            self._bar.update(1)

    def close(self) -> None:
        """Finish the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

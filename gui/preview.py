"""Live previews on the worker thread: a decoded latent a few times a second at most."""

from __future__ import annotations

import time
from typing import Callable, Optional

from PySide6.QtGui import QImage

from gui.images import to_qimage

PREVIEW_PHASES = ("edit", "sample")
MIN_INTERVAL = 0.25
# A preview may cost at most about a fifth of the job's time: after a decode that took t
# seconds the next one waits at least COST_FACTOR * t.
COST_FACTOR = 4.0


class PreviewMaker:
    """Decodes the last row of a step's latents (the last edit) when enough time has passed."""

    def __init__(self, model, height: int, width: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._model = model
        self._height, self._width = height, width
        self._clock = clock
        self._next = 0.0

    def maybe_preview(self, phase: str, latents) -> Optional[QImage]:
        """A QImage of the newest latent, or None when it is not time yet or there is nothing to show."""
        if latents is None or phase not in PREVIEW_PHASES or self._clock() < self._next:
            return None
        from core.flux.latents import decode_latents

        row = latents[-1:] if latents.dim() == 3 else latents[None]
        started = self._clock()
        image = decode_latents(self._model.pipeline, row, self._height, self._width, self._model.device)[0]
        cost = self._clock() - started
        self._next = self._clock() + max(MIN_INTERVAL, COST_FACTOR * cost)
        return to_qimage(image)


def request_size(request) -> tuple[int, int]:
    """(height, width) of the images a request produces."""
    if request.image is not None:
        return request.image.height, request.image.width
    if request.source is not None:
        return request.source.height, request.source.width
    return request.height, request.width

"""Shared pieces of the batch tests: a folder of small photos and an engine that counts finished edits."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from core.engine import Engine
from core.storage.cache_keys import image_digest
from tests.helpers import gradient_photo

# Sizes differ on purpose (aspect, rounding to 16); all stay tiny for speed.
SIZES = [(64, 48), (48, 64), (70, 50), (64, 64), (80, 40), (50, 70)]
FAST_PARAMS = {"steps": 3}
MSL = 16


def photo_folder(folder: Path, count: int = 6) -> list[Path]:
    """``count`` textured photos ``p0.png``, ``p1.jpg``, ... in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        width, height = SIZES[index % len(SIZES)]
        path = folder / f"p{index}.{'png' if index % 2 == 0 else 'jpg'}"
        gradient_photo(width, height, seed=index).save(path)
        paths.append(path)
    return paths


class CountingEngine(Engine):
    """An engine that counts finished runs per source image (pixels digest) and can cancel on a given run."""

    def __init__(self, model, store=None, cancel_on_run=None, token=None) -> None:
        super().__init__(model, store)
        self.finished: Counter = Counter()
        self.started = 0
        self.cancel_on_run = cancel_on_run
        self.token = token

    def run(self, request, control=None):
        self.started += 1
        if self.started == self.cancel_on_run:
            self.token.cancel()
        result = super().run(request, control)
        key = image_digest(request.image) if request.image is not None else "trajectory"
        self.finished[key] += 1
        return result

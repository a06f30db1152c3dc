"""Small helpers for tests: synthetic photos."""

from __future__ import annotations

import numpy as np
from PIL import Image


def gradient_photo(width: int, height: int, seed: int = 0) -> Image.Image:
    """A deterministic, textured RGB test image."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 / max(width - 1, 1), y * 255 / max(height - 1, 1), (x + y) % 64 * 4], axis=-1)
    noise = rng.integers(0, 40, size=(height, width, 3))
    return Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8), "RGB")

"""Distances between two images of the same size, on 8-bit RGB values."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.float64)


def psnr(image: Image.Image, reference: Image.Image) -> float:
    """Peak signal-to-noise ratio in dB over RGB values 0-255 (infinite for identical images)."""
    mse = float(np.mean((_pixels(image) - _pixels(reference)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)


def mean_absolute_error(image: Image.Image, reference: Image.Image) -> float:
    """Mean absolute difference of RGB values, on the 0-255 scale."""
    return float(np.mean(np.abs(_pixels(image) - _pixels(reference))))

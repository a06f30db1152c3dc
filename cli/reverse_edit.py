"""Reverse editing (FlowAlign): edit each result back with the prompts swapped, starting from
the edited image, and measure how close it comes to the original."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from PIL import Image

from core.engine import Engine
from core.methods.base import EditRequest, EditResult


@dataclass
class ReverseEdit:
    """One reverse edit and its distance to the original, on 0-255 pixels at working size."""

    image: Image.Image
    psnr: float
    mae: float


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.float64)


def psnr(image: Image.Image, reference: Image.Image) -> float:
    """Peak signal-to-noise ratio in dB over RGB values 0-255 (infinite for identical images)."""
    mse = float(np.mean((_pixels(image) - _pixels(reference)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)


def mean_absolute_error(image: Image.Image, reference: Image.Image) -> float:
    """Mean absolute difference of RGB values, on the 0-255 scale."""
    return float(np.mean(np.abs(_pixels(image) - _pixels(reference))))


def reverse_request(request: EditRequest, result: EditResult, index: int) -> EditRequest:
    """Edit result ``index`` back: its prompt becomes the source prompt, the original's the target."""
    return dataclasses.replace(request, source_prompt=request.target_prompts[index],
                               target_prompts=(request.source_prompt,), image=result.images[index], source=None)


def reverse_edits(
    engine: Engine,
    request: EditRequest,
    result: EditResult,
    run: Callable[[Engine, EditRequest], EditResult] = Engine.run,
) -> list[ReverseEdit]:
    """Reverse every edit of ``result`` with ``run`` and compare each with ``result.source_image``."""
    reverses = []
    for index in range(len(result.images)):
        image = run(engine, reverse_request(request, result, index)).images[0]
        reverses.append(ReverseEdit(image, psnr(image, result.source_image),
                                    mean_absolute_error(image, result.source_image)))
    return reverses

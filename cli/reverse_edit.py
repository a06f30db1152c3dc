"""Reverse editing (FlowAlign): edit each result back with the prompts swapped, starting from
the edited image, and measure how close it comes to the original."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

from PIL import Image

from core.api.requests import EditRequest, EditResult
from core.engine import Engine
from core.methods.image_metrics import mean_absolute_error, psnr


@dataclass
class ReverseEdit:
    """One reverse edit and its distance to the original, on 0-255 pixels at working size."""

    image: Image.Image
    psnr: float
    mae: float


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

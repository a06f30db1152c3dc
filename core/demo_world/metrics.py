"""Edit-quality metrics against the demo world's ground truth (pixel statistics, no learned model).

- adherence: the edited attribute is right. Colour: the mean colour inside the object's
  interior mask is nearest (in RGB) to the target colour among the palette. Shape: among the
  four shapes drawn at the object's place, the one whose mask best matches the pixels that
  differ from the backdrop (background and ground) is the target. Background: the mean colour
  above the horizon and away from every object is nearest to the target background. Added
  object: its colour and shape are right.
- preservation: mean absolute error (0-255) and PSNR against the source image over the
  pixels that should not change (everything outside the edited object's old and new masks,
  grown by one pixel for anti-aliasing; for a background edit, the objects' interiors).

A generated picture puts each object where its noise led within the captioned part of the
frame, so :func:`score_generated` first moves the scenes' objects to where the pictures
draw them (locate.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from core.demo_world.edits import SceneEdit
from core.demo_world.locate import UNLIKE_BACKGROUND, backdrop_distance, locate
from core.demo_world.render import coverage, interior_mask, object_mask
from core.demo_world.scenes import COLOURS, HORIZON_HEIGHTS, HORIZON_JITTER, SHAPES, Scene, SceneObject

# Rows above the highest horizon of the world (a generated picture draws its own, near it).
SKY_ROWS = int(min(HORIZON_HEIGHTS.values()) - HORIZON_JITTER) - 2

_PALETTE_NAMES = tuple(COLOURS)
_PALETTE = np.array([COLOURS[name] for name in _PALETTE_NAMES], dtype=np.float32)


def pixels(image: Image.Image) -> np.ndarray:
    """(H, W, 3) float32 RGB in 0..255."""
    return np.asarray(image.convert("RGB"), dtype=np.float32)


def nearest_colour(rgb: np.ndarray) -> str:
    """The palette colour nearest to an RGB triple."""
    return _PALETTE_NAMES[int(np.argmin(((_PALETTE - rgb) ** 2).sum(axis=1)))]


def grow(mask: np.ndarray, radius: int = 1) -> np.ndarray:
    """The mask dilated by ``radius`` pixels (a square neighbourhood)."""
    out = mask.copy()
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            out |= np.roll(np.roll(mask, dy, axis=0), dx, axis=1)
    return out


def colour_in(image: np.ndarray, mask: np.ndarray) -> str:
    """The palette name of the mean colour inside ``mask``."""
    return nearest_colour(image[mask].mean(axis=0)) if mask.any() else "none"


def shape_at(image: np.ndarray, item: SceneObject, scene: Scene, others: tuple[SceneObject, ...] = ()) -> str:
    """The shape whose coverage at ``item``'s place best matches how unlike ``scene``'s backdrop each pixel is.

    Each pixel's unlikeness is its RGB distance to the backdrop (locate.backdrop_distance) over
    the distance of the object's own (mean) colour, clipped to [0, 1], so anti-aliased edges
    count by half; the shape with the least absolute difference wins. Pixels near the
    ``others`` are ignored.
    """
    distance = backdrop_distance(image, scene)
    region = grow(object_mask(replace(item, shape="circle", size="big")), 3)
    for other in others:
        region &= ~grow(object_mask(other), 2)
    solid = region & (distance > UNLIKE_BACKGROUND)
    if not solid.any():
        return "none"
    unlike = np.clip(distance / np.percentile(distance[solid], 90), 0.0, 1.0)
    errors = {shape: float(np.abs(unlike - coverage(replace(item, shape=shape)))[region].sum()) for shape in SHAPES}
    return min(errors, key=errors.get)


def adherent(edit: SceneEdit, edited: Image.Image) -> bool:
    """Whether the edited image shows the edited attribute of the target scene."""
    image = pixels(edited)
    target = edit.target
    if edit.changed is None:
        away = ~grow(np.logical_or.reduce([object_mask(item) for item in target.objects]), 2)
        away[SKY_ROWS:] = False  # above every horizon: the ground's shade is not the named colour
        return colour_in(image, away) == target.background
    item = target.objects[edit.changed]
    colour_ok = colour_in(image, interior_mask(item)) == item.colour
    others = tuple(other for index, other in enumerate(target.objects) if index != edit.changed)
    shape_ok = shape_at(image, item, target, others) == item.shape
    return {"colour": colour_ok, "shape": shape_ok, "add": colour_ok and shape_ok}[edit.kind]


def kept_mask(edit: SceneEdit) -> np.ndarray:
    """(64, 64) bool: the pixels the edit should leave as they were."""
    if edit.changed is None:
        return np.logical_or.reduce([interior_mask(item) for item in edit.source.objects])
    changed = object_mask(edit.target.objects[edit.changed])
    source_index = edit.changed if len(edit.source.objects) == len(edit.target.objects) else None
    if source_index is not None:
        changed |= object_mask(edit.source.objects[source_index])
    return ~grow(changed, 1)


def mae_and_psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> tuple[float, float]:
    """Mean absolute error (0-255) and PSNR (dB, peak 255) over ``mask`` (every pixel when None)."""
    diff = a - b if mask is None else (a - b)[mask]
    mae = float(np.abs(diff).mean())
    mse = float((diff**2).mean())
    return mae, (float("inf") if mse == 0 else 10.0 * math.log10(255.0**2 / mse))


@dataclass(frozen=True)
class EditScore:
    """One edit's adherence and preservation."""

    adherent: bool
    kept_mae: float
    kept_psnr: float


def score_edit(edit: SceneEdit, source: Image.Image, edited: Image.Image) -> EditScore:
    """Adherence of ``edited`` to the target, preservation against ``source`` outside the change."""
    mae, psnr = mae_and_psnr(pixels(edited), pixels(source), kept_mask(edit))
    return EditScore(adherent(edit, edited), mae, psnr)


def score_generated(edit: SceneEdit, source: Image.Image, edited: Image.Image) -> EditScore:
    """:func:`score_edit` for a generated ``source``: the source scene's objects are placed where
    ``source`` draws them and the target's where ``edited`` does, so an object the edit moved
    counts against preservation wherever it went."""
    placed = replace(edit, source=locate(edit.source, source), target=locate(edit.target, edited))
    return score_edit(placed, source, edited)

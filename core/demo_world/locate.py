"""Where a picture draws a scene's objects, so a generated image can be scored like a photo.

A caption names only left, middle or right; a picture generated from it puts each object
somewhere in that part of the frame. :func:`locate` moves each object of the caption's scene
to where the picture draws it (the centroid of the pixels unlike the backdrop in the
object's half of the frame), so the ground-truth masks of metrics.py fall on the picture.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import numpy as np
from PIL import Image

from core.demo_world.render import coverage
from core.demo_world.scenes import COLOURS, IMAGE_SIZE, Scene, SceneObject, ground_colour

UNLIKE_BACKGROUND = 35.0  # RGB distance; the palette's closest pair (yellow, orange) is 71 apart
_HALF = IMAGE_SIZE // 2


def backdrop_distance(rgb: np.ndarray, scene: Scene) -> np.ndarray:
    """(H, W) RGB distance of each pixel to the scene's backdrop: its background colour, or with a
    horizon the line from the background to the ground colour (so the horizon's anti-aliased
    edge counts as backdrop wherever a picture draws it)."""
    sky = np.array(COLOURS[scene.background], dtype=np.float32)
    if scene.horizon is None:
        return np.sqrt(((rgb - sky) ** 2).sum(axis=2))
    step = np.array(ground_colour(scene.background), dtype=np.float32) - sky
    along = np.clip(((rgb - sky) * step).sum(axis=2) / float((step**2).sum()), 0.0, 1.0)
    nearest = sky + along[..., None] * step
    return np.sqrt(((rgb - nearest) ** 2).sum(axis=2))


@lru_cache(maxsize=64)
def _centroid_offset(shape: str, size: str) -> tuple[float, float]:
    """How far a shape's drawn centroid lies from its nominal centre (a triangle's is lower)."""
    item = SceneObject(shape, "white", size, "middle")
    weights = coverage(item)
    rows, cols = np.indices(weights.shape)
    total = weights.sum()
    cx, cy = item.centre
    return float((cols * weights).sum() / total + 0.5 - cx), float((rows * weights).sum() / total + 0.5 - cy)


def _band(scene: Scene, item: SceneObject) -> slice:
    """The columns an object is looked for in: its half of the frame when there are two."""
    if len(scene.objects) == 1:
        return slice(0, IMAGE_SIZE)
    return slice(0, _HALF) if item.position == "left" else slice(_HALF, IMAGE_SIZE)


def locate(scene: Scene, image: Image.Image) -> Scene:
    """``scene`` with each object's exact place (dx, dy) moved to where ``image`` draws it.

    An object with no pixel unlike the background in its part of the frame keeps its place.
    """
    rgb = np.asarray(image.convert("RGB"), dtype=np.float32)
    distance = backdrop_distance(rgb, scene)
    unlike = distance > UNLIKE_BACKGROUND
    rows, cols = np.indices(unlike.shape)
    placed = []
    for item in scene.objects:
        band = np.zeros_like(unlike)
        band[:, _band(scene, item)] = True
        found = unlike & band
        if not found.any():
            placed.append(item)
            continue
        # Anti-aliased edges count by how unlike the background they are, for sub-pixel places;
        # faint differences (a generated background's noise) count not at all.
        near = band & (distance > UNLIKE_BACKGROUND / 2)
        weights = np.where(near, np.clip(distance / np.percentile(distance[found], 90), 0.0, 1.0), 0.0)
        off_x, off_y = _centroid_offset(item.shape, item.size)
        cx = float((cols * weights).sum() / weights.sum()) + 0.5 - off_x
        cy = float((rows * weights).sum() / weights.sum()) + 0.5 - off_y
        nominal = replace(item, dx=0.0, dy=0.0).centre
        placed.append(replace(item, dx=cx - nominal[0], dy=cy - nominal[1]))
    return replace(scene, objects=tuple(placed))

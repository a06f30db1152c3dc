"""Drawing demo-world scenes with Pillow, and the objects' ground-truth masks."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from core.demo_world.scenes import COLOURS, IMAGE_SIZE, Scene, SceneObject, ground_colour

SUPERSAMPLE = 4  # drawn at 4x and box-filtered down, so edges are anti-aliased like a photo


def _outline(item: SceneObject, scale: float) -> tuple[str, list[tuple[float, float]]]:
    """('ellipse', [corner, corner]) or ('polygon', points) at ``scale`` times the image size."""
    cx, cy = item.centre
    r = item.radius
    if item.shape == "circle":
        return "ellipse", [((cx - r) * scale, (cy - r) * scale), ((cx + r) * scale, (cy + r) * scale)]
    if item.shape == "square":
        h = r * 0.85
        points = [(cx - h, cy - h), (cx + h, cy - h), (cx + h, cy + h), (cx - h, cy + h)]
    elif item.shape == "triangle":
        points = [(cx + r * math.cos(math.radians(a)), cy + r * math.sin(math.radians(a))) for a in (-90, 30, 150)]
        points = [(x, y + r * 0.2) for x, y in points]  # centre the triangle's height
    else:  # star: five points, inner radius 0.45
        points = []
        for k in range(10):
            radius = r if k % 2 == 0 else r * 0.45
            angle = math.radians(-90 + 36 * k)
            points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return "polygon", [(x * scale, y * scale) for x, y in points]


def _draw(draw: ImageDraw.ImageDraw, item: SceneObject, fill) -> None:
    kind, points = _outline(item, SUPERSAMPLE)
    if kind == "ellipse":
        draw.ellipse(points, fill=fill)
    else:
        draw.polygon(points, fill=fill)


def render(scene: Scene) -> Image.Image:
    """The scene as a 64x64 RGB image."""
    big = IMAGE_SIZE * SUPERSAMPLE
    canvas = Image.new("RGB", (big, big), COLOURS[scene.background])
    draw = ImageDraw.Draw(canvas)
    if scene.horizon is not None:
        draw.rectangle([0, scene.horizon * SUPERSAMPLE, big, big], fill=ground_colour(scene.background))
    for item in scene.objects:
        _draw(draw, item, COLOURS[item.colour])
    return canvas.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BOX)


def coverage(item: SceneObject) -> np.ndarray:
    """(64, 64) float array: the fraction of each pixel the object covers."""
    big = IMAGE_SIZE * SUPERSAMPLE
    canvas = Image.new("L", (big, big), 0)
    _draw(ImageDraw.Draw(canvas), item, 255)
    small = canvas.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32) / 255.0


def object_mask(item: SceneObject) -> np.ndarray:
    """(64, 64) bool: pixels at least half covered by the object."""
    return coverage(item) >= 0.5


def interior_mask(item: SceneObject) -> np.ndarray:
    """(64, 64) bool: pixels fully inside the object (no anti-aliased edge), for colour statistics."""
    return coverage(item) >= 0.999


def scene_masks(scene: Scene) -> list[np.ndarray]:
    """One :func:`object_mask` per object, in the scene's order."""
    return [object_mask(item) for item in scene.objects]

"""Scenes of the demo world: one or two flat objects on a two-tone background, drawn from a seed.

The background is the captioned colour above an unnamed horizon and a shade of it below. The
horizon's height leans with the first object's colour, as in a photo what a caption names and
what it leaves out go together: a regeneration with one colour word changed moves the horizon,
which is what Stable Flow's injection has to keep (README: Demo model).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

IMAGE_SIZE = 64
SHAPES = ("circle", "square", "triangle", "star")
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 220),
    "yellow": (240, 210, 40),
    "white": (245, 245, 245),
    "black": (25, 25, 25),
    "orange": (245, 140, 30),
    "purple": (140, 60, 190),
}
SIZES: dict[str, float] = {"small": 8.0, "big": 13.0}  # radius in pixels of a 64x64 image
POSITIONS: dict[str, float] = {"left": 18.0, "middle": 32.0, "right": 46.0}  # centre x in pixels
# Pixels each way. The caption names only left, middle or right, so where exactly an object sits
# (most of all its height) is left to the picture: a regeneration from the caption alone moves it,
# which is what makes preservation measurable (README: Demo model).
JITTER_X = 4.0
JITTER_Y = 8.0
TWO_OBJECT_CHANCE = 0.6
# The horizon's height (pixels from the top) for each first-object colour, in an order unlike the
# hues' so neighbouring hues do not sit at neighbouring heights; then up to HORIZON_JITTER each way.
_HORIZON_ORDER = ("red", "white", "blue", "orange", "black", "green", "purple", "yellow")
HORIZON_HEIGHTS: dict[str, float] = {name: 14.0 + index * 36.0 / 7.0 for index, name in enumerate(_HORIZON_ORDER)}
HORIZON_JITTER = 3.0
GROUND_SHADE = 0.45  # the ground is the background colour this far toward black (light colours) or white


@dataclass(frozen=True)
class SceneObject:
    """One flat object: shape, colour and size words, position word and exact centre."""

    shape: str
    colour: str
    size: str
    position: str
    dx: float = 0.0
    dy: float = 0.0

    @property
    def centre(self) -> tuple[float, float]:
        """Centre (x, y) in pixels of an ``IMAGE_SIZE`` image."""
        return POSITIONS[self.position] + self.dx, IMAGE_SIZE / 2 + self.dy

    @property
    def radius(self) -> float:
        """Radius in pixels."""
        return SIZES[self.size]


@dataclass(frozen=True)
class Scene:
    """A background colour, one object (left, middle or right) or two (left and right), and the
    horizon's height in pixels (None: a plain background, for hand-made scenes)."""

    background: str
    objects: tuple[SceneObject, ...]
    horizon: float | None = None

    def with_object(self, index: int, **changes: str) -> "Scene":
        """The same scene with some words of object ``index`` changed (its exact place and the horizon kept)."""
        objects = list(self.objects)
        objects[index] = replace(objects[index], **changes)
        return replace(self, objects=tuple(objects))


def _random_object(rng: random.Random, position: str, avoid: str) -> SceneObject:
    colour = rng.choice([name for name in COLOURS if name != avoid])
    return SceneObject(
        shape=rng.choice(SHAPES), colour=colour, size=rng.choice(tuple(SIZES)), position=position,
        dx=rng.uniform(-JITTER_X, JITTER_X), dy=rng.uniform(-JITTER_Y, JITTER_Y),
    )


def random_scene(rng: random.Random) -> Scene:
    """A scene drawn from ``rng``: object colours always differ from the background."""
    background = rng.choice(tuple(COLOURS))
    if rng.random() < TWO_OBJECT_CHANCE:
        objects = (_random_object(rng, "left", background), _random_object(rng, "right", background))
    else:
        objects = (_random_object(rng, rng.choice(tuple(POSITIONS)), background),)
    horizon = HORIZON_HEIGHTS[objects[0].colour] + rng.uniform(-HORIZON_JITTER, HORIZON_JITTER)
    return Scene(background=background, objects=objects, horizon=horizon)


def ground_colour(background: str) -> tuple[int, int, int]:
    """The colour below the horizon: the background shaded toward black, or toward white when dark."""
    rgb = COLOURS[background]
    luminance = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    toward = 0 if luminance > 110 else 255
    return tuple(round(c + GROUND_SHADE * (toward - c)) for c in rgb)


def scene_for_index(seed: int, index: int) -> Scene:
    """Scene number ``index`` of the world drawn from ``seed``: the same on every machine."""
    return random_scene(random.Random(f"demo-world:{seed}:{index}"))

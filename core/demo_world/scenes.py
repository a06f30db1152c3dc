"""Scenes of the demo world: one or two flat objects on a plain background, drawn from a seed."""

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
    """A background colour and one object (left, middle or right) or two (left and right)."""

    background: str
    objects: tuple[SceneObject, ...]

    def with_object(self, index: int, **changes: str) -> "Scene":
        """The same scene with some words of object ``index`` changed (its exact place kept)."""
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
    return Scene(background=background, objects=objects)


def scene_for_index(seed: int, index: int) -> Scene:
    """Scene number ``index`` of the world drawn from ``seed``: the same on every machine."""
    return random_scene(random.Random(f"demo-world:{seed}:{index}"))

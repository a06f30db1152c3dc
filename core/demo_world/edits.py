"""One-attribute edits of demo-world scenes: a colour, a shape, the background, or an added object.

An edit is the source scene, the target scene and which object changed (None for the
background), so metrics know where the change should be and where nothing should change.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Optional

from core.demo_world.captions import caption
from core.demo_world.scenes import COLOURS, SHAPES, SIZES, Scene, SceneObject, scene_for_index

EDIT_KINDS = ("colour", "shape", "background", "add")


@dataclass(frozen=True)
class SceneEdit:
    """A source scene, its edited version, the kind of edit and the index of the changed object."""

    kind: str
    source: Scene
    target: Scene
    changed: Optional[int]  # object index in ``target``; None when the background changed

    @property
    def prompts(self) -> tuple[str, str]:
        """(source caption, target caption)."""
        return caption(self.source), caption(self.target)


def _other(rng: random.Random, options, *avoid: str) -> str:
    return rng.choice([option for option in options if option not in avoid])


def make_edit(scene: Scene, kind: str, rng: random.Random) -> SceneEdit:
    """Apply an edit of ``kind`` to ``scene``; 'add' needs one object on the left or right."""
    if kind == "colour":
        index = rng.randrange(len(scene.objects))
        colour = _other(rng, COLOURS, scene.objects[index].colour, scene.background)
        return SceneEdit(kind, scene, scene.with_object(index, colour=colour), index)
    if kind == "shape":
        index = rng.randrange(len(scene.objects))
        shape = _other(rng, SHAPES, scene.objects[index].shape)
        return SceneEdit(kind, scene, scene.with_object(index, shape=shape), index)
    if kind == "background":
        background = _other(rng, COLOURS, scene.background, *(item.colour for item in scene.objects))
        return SceneEdit(kind, scene, replace(scene, background=background), None)
    if kind == "add":
        (only,) = scene.objects
        side = {"left": "right", "right": "left"}[only.position]
        new = SceneObject(rng.choice(SHAPES), _other(rng, COLOURS, scene.background), rng.choice(tuple(SIZES)), side)
        objects = (only, new) if side == "right" else (new, only)
        return SceneEdit(kind, scene, replace(scene, objects=objects), objects.index(new))
    raise ValueError(f"unknown edit kind {kind!r}")


def _can_add(scene: Scene) -> bool:
    return len(scene.objects) == 1 and scene.objects[0].position != "middle"


def edit_set(seed: int, first_index: int, count: int) -> list[SceneEdit]:
    """``count`` edits cycling through the kinds, on scenes from ``first_index`` on (the same every run)."""
    edits, index = [], first_index
    rng = random.Random(f"demo-edits:{seed}:{first_index}")
    while len(edits) < count:
        kind = EDIT_KINDS[len(edits) % len(EDIT_KINDS)]
        scene = scene_for_index(seed, index)
        index += 1
        if kind == "add" and not _can_add(scene):
            continue
        edits.append(make_edit(scene, kind, rng))
    return edits

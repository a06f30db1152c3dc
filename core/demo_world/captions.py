"""The caption grammar of the demo world, and the words its tokenizers keep whole."""

from __future__ import annotations

from core.demo_world.scenes import COLOURS, POSITIONS, SHAPES, SIZES, Scene, SceneObject

GRAMMAR_WORDS = ("a", "an", "the", "on", "in", "and", "background") + SHAPES + tuple(COLOURS) + tuple(SIZES) + tuple(POSITIONS)


def describe_object(item: SceneObject) -> str:
    """'a big red circle on the left' (or 'in the middle')."""
    where = "in the middle" if item.position == "middle" else f"on the {item.position}"
    return f"a {item.size} {item.colour} {item.shape} {where}"


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def caption(scene: Scene) -> str:
    """'a small red circle on the left and a big blue star on the right on a yellow background'."""
    things = " and ".join(describe_object(item) for item in scene.objects)
    return f"{things} on {_article(scene.background)} {scene.background} background"

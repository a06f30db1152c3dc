"""The sample photos of the demo world shipped in resources/samples/, so a first run has something to open.

Each PNG carries its caption as an embedded recipe prompt, so opening one fills "Describe the
image" with it (no captioning model needed).

    PYTHONPATH=. python -m core.demo_world.samples resources/samples
"""

from __future__ import annotations

from pathlib import Path

from core.demo_world.captions import caption
from core.demo_world.render import render
from core.demo_world.scenes import HORIZON_HEIGHTS, Scene, SceneObject
from core.storage.atomic import atomic_write_text
from core.storage.png_files import save_png


def _sample(background: str, *objects: SceneObject) -> Scene:
    """A scene of the world with its horizon where the first colour puts it on average."""
    return Scene(background, objects, horizon=HORIZON_HEIGHTS[objects[0].colour])


SAMPLE_SCENES: dict[str, Scene] = {
    "red-circle-blue-square": _sample("yellow", SceneObject("circle", "red", "big", "left"),
                                      SceneObject("square", "blue", "small", "right")),
    "green-star": _sample("white", SceneObject("star", "green", "big", "middle")),
    "purple-triangle-orange-circle": _sample("blue", SceneObject("triangle", "purple", "small", "left"),
                                             SceneObject("circle", "orange", "big", "right")),
    "yellow-square": _sample("black", SceneObject("square", "yellow", "big", "right")),
}


def write_samples(folder: Path) -> None:
    """Write ``<name>.png`` per sample (its caption embedded) and ``captions.txt`` (``name.png: caption`` per line)."""
    lines = []
    for name, scene in SAMPLE_SCENES.items():
        save_png(render(scene), folder / f"{name}.png", {"prompt": caption(scene)})
        lines.append(f"{name}.png: {caption(scene)}")
    atomic_write_text(folder / "captions.txt", "\n".join(lines) + "\n")


if __name__ == "__main__":
    import sys

    write_samples(Path(sys.argv[1]))

"""The sample photos of the demo world shipped in resources/samples/, so a first run has something to open.

Each PNG carries its caption as an embedded recipe prompt, so opening one fills "Describe the
image" with it (no captioning model needed).

    PYTHONPATH=. python -m core.demo_world.samples resources/samples
"""

from __future__ import annotations

from pathlib import Path

from core.demo_world.captions import caption
from core.demo_world.render import render
from core.demo_world.scenes import Scene, SceneObject
from core.storage.atomic import atomic_write_text
from core.storage.png_files import save_png

SAMPLE_SCENES: dict[str, Scene] = {
    "red-circle-blue-square": Scene("yellow", (SceneObject("circle", "red", "big", "left"),
                                               SceneObject("square", "blue", "small", "right"))),
    "green-star": Scene("white", (SceneObject("star", "green", "big", "middle"),)),
    "purple-triangle-orange-circle": Scene("blue", (SceneObject("triangle", "purple", "small", "left"),
                                                    SceneObject("circle", "orange", "big", "right"))),
    "yellow-square": Scene("black", (SceneObject("square", "yellow", "big", "right"),)),
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

"""Masked edits (a benchmark, not a test).

Measures what a mask adds, on the CPU:
- the export of a three-edit masked chain at the original size of a large photo (each edit
  scaled up and composited inside its mask over the original), per photo size;
- the per-step latent blend at FLUX's 1024x1024 token grid (4096 tokens x 64 channels);
and saves a screenshot of the editor with a masked edit on the tiny model to
docs/masked-edit.png (the mask's tint over the result, the photo left of the split).

    python benchmarks/bench_masks.py [--no-screenshot]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

from bench_ui import landscape, run_in_editor  # noqa: E402


def median_seconds(run, repeats: int) -> float:
    """The median wall time of ``run()`` over ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return sorted(times)[len(times) // 2]


def bench_export(width: int, height: int) -> float:
    """Seconds to compose a three-edit masked chain at ``width`` x ``height`` from 1024-pixel edits."""
    import numpy as np
    from PIL import Image, ImageDraw

    from core.flux.masks import compose_full_size, feather
    from core.storage.photos import working_size

    rng = np.random.default_rng(0)
    original = Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), "RGB")
    size = working_size(width, height)
    steps = []
    for k in range(3):
        mask = Image.new("L", size, 0)
        ImageDraw.Draw(mask).ellipse((size[0] * k // 4, size[1] // 4, size[0] * (k + 2) // 4, size[1] * 3 // 4),
                                     fill=255)
        edit = Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8), "RGB")
        steps.append((edit, feather(mask, 8)))
    return median_seconds(lambda: compose_full_size(original, steps), 3)


def bench_blend() -> float:
    """Seconds per latent blend of two edit rows at 1024x1024 (4096 tokens x 64 channels)."""
    import numpy as np
    import torch

    from core.flux.latent_mask import LatentBlend

    mask = np.zeros((1024, 1024), np.float32)
    mask[256:768, 256:768] = 1
    blend = LatentBlend(mask, 16)
    rows, ref = torch.randn(2, 4096, 64), torch.randn(1, 4096, 64)
    return median_seconds(lambda: blend(rows, ref), 50)


async def masked_edit_for_screenshot(window, folder: Path) -> None:
    """Open the drawn landscape, paint the house with the lasso, edit it, compare with the photo."""
    from PySide6.QtCore import QPointF

    from gui.self_test import fill_edit_panel, run_edit

    await window.controller.ready()
    photo = folder / "landscape.png"
    landscape(256).save(photo)
    window.open_path(photo)
    outline = [(44, 128), (74, 128), (100, 154), (100, 206), (44, 206)]
    window.masks.layer.fill_lasso([QPointF(x, y) for x, y in outline])
    window.masks.layer.feather(3)
    fill_edit_panel(window, "a photo of a house on a hill", "a photo of a red car on a hill")
    await run_edit(window)
    window.compare_bar.toggle.setChecked(True)
    window.canvas.set_split(0.3)
    await asyncio.sleep(0.2)


def main() -> int:
    """Measure, print, and save the screenshot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenshot", type=Path, default=ROOT / "docs" / "masked-edit.png")
    parser.add_argument("--no-screenshot", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    print(f"latent blend, 2 rows x 4096 tokens x 64 channels: {bench_blend() * 1000:.2f} ms per step")
    for width, height in ((2048, 1536), (4000, 3000), (6000, 4000)):
        print(f"export of a 3-edit masked chain at {width}x{height}: {bench_export(width, height):.2f} s")
    if not args.no_screenshot:
        run_in_editor(masked_edit_for_screenshot, args.screenshot)
    return 0


if __name__ == "__main__":
    sys.exit(main())

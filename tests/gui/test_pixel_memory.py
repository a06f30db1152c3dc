"""Letting go of a huge photo does not stall the window: the editor has Pillow keep the
freed blocks for its next images instead of handing 430 MB back to the system at once
(which held Python's lock for 60 ms or more)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import gui.app
from PIL import Image
from gui.pixel_memory import PIXEL_BLOCKS_KEPT
before = Image.core.get_stats()
photo = Image.new("RGB", (12000, 9000))
made = Image.core.get_stats()["allocated_blocks"] - before["allocated_blocks"]
del photo
after = Image.core.get_stats()
print(Image.core.get_blocks_max() == PIXEL_BLOCKS_KEPT, made, after["blocks_cached"] - before["blocks_cached"],
      after["freed_blocks"] - before["freed_blocks"])
"""


def test_a_huge_photo_let_go_in_the_editor_keeps_its_blocks_for_the_next_images():
    env = {key: value for key, value in os.environ.items() if key != "PILLOW_BLOCKS_MAX"}
    result = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    configured, made, kept, handed_back = result.stdout.split()
    assert configured == "True" and int(made) > 20  # 26 blocks of 16 MB
    assert (int(kept), int(handed_back)) == (int(made), 0)

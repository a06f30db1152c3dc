"""Pillow keeps freed blocks of pixels for its next images instead of handing them back at once.

Letting go of a 12000x9000 photo frees 430 MB; handed back to the system in one go, that
holds Python's lock for 60 ms or more (over a second on a busy machine) and the window
stalls. Kept (at most :data:`PIXEL_BLOCKS_KEPT` blocks of 16 MB), they are reused by the
next images, which shrink them to their own size. Pillow reads the setting once, when it
is first imported: :mod:`gui.app` imports this module before anything that imports Pillow.
"""

from __future__ import annotations

import os

PIXEL_BLOCKS_KEPT = 32  # 512 MB at most: one huge photo's worth
BLOCKS_SETTING = "PILLOW_BLOCKS_MAX"  # documented in Pillow's "Block allocator" page

os.environ.setdefault(BLOCKS_SETTING, str(PIXEL_BLOCKS_KEPT))

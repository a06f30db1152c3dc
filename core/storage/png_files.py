"""Writing result images: lossless PNGs with the edit recipe embedded, and comparison grids."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, BinaryIO, Mapping, Optional, Sequence

from PIL import Image, PngImagePlugin

from core.storage.atomic import atomic_output
from core.storage.untrusted_json import parse_untrusted_json

RECIPE_KEY = "stable-flow-studio-recipe"


def write_png(image: Image.Image, stream: BinaryIO, recipe: Optional[Mapping[str, Any]] = None) -> None:
    """Encode a PNG into ``stream``, with ``recipe`` as JSON in a text chunk when given.

    Written to a file, Pillow encodes and writes in C without Python's lock; gathered in
    memory, a huge photo's 200 MB buffer is regrown and copied under it (a stall of the window).
    """
    info = PngImagePlugin.PngInfo()
    if recipe is not None:
        info.add_text(RECIPE_KEY, json.dumps(recipe, sort_keys=True))
    image.save(stream, format="PNG", pnginfo=info)


def png_bytes(image: Image.Image, recipe: Optional[Mapping[str, Any]] = None) -> bytes:
    """Encode a PNG, with ``recipe`` as JSON in a text chunk when given."""
    buffer = io.BytesIO()
    write_png(image, buffer, recipe)
    return buffer.getvalue()


def save_png(image: Image.Image, path: str | Path, recipe: Optional[Mapping[str, Any]] = None) -> None:
    """Save a lossless PNG atomically."""
    with atomic_output(path) as stream:
        write_png(image, stream, recipe)


def read_recipe(path: str | Path) -> Optional[dict]:
    """The recipe embedded by :func:`save_png`, or None; ValueError when it is not a JSON table
    (a photo's metadata is whatever its author chose: see core.storage.untrusted_json)."""
    with Image.open(path) as image:
        text = image.info.get(RECIPE_KEY)
    if not text:
        return None
    recipe = parse_untrusted_json(text)
    if not isinstance(recipe, dict):
        raise ValueError("its recipe is not a table of fields")
    return recipe


def side_by_side(images: Sequence[Image.Image], gap: int = 8, background=(255, 255, 255)) -> Image.Image:
    """Images in one row, top-aligned, separated by ``gap`` pixels."""
    width = sum(image.width for image in images) + gap * (len(images) - 1)
    height = max(image.height for image in images)
    grid = Image.new("RGB", (width, height), background)
    x = 0
    for image in images:
        grid.paste(image.convert("RGB"), (x, 0))
        x += image.width + gap
    return grid

"""Exporting a node as PNG, JPEG or WebP with its edit recipe in the file's metadata.

PNG: a text chunk (core.storage.png_files, readable with ``read_recipe``); JPEG and WebP: the
EXIF UserComment tag, as ASCII JSON. :func:`read_export_recipe` reads all three.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from PIL import ExifTags, Image

from core.api.errors import ParameterError
from core.flux.masks import mask_to_text
from core.session.tree import EditTree
from core.storage.atomic import atomic_output
from core.storage.png_files import read_recipe, save_png

FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
_ASCII_PREFIX = b"ASCII\x00\x00\x00"  # the EXIF UserComment character-code header
JPEG_EXIF_LIMIT = 65_000  # a JPEG's EXIF segment holds at most 64 KiB
MASKS_OMITTED = "too large for a JPEG's metadata: export as PNG or WebP to keep the masks in the recipe"


def export_recipe(tree: EditTree, node_id: str) -> dict:
    """The node's recipe plus the chain of edits that led to it (root first); a masked edit's
    recipe holds its mask as base64 PNG text (``core.flux.masks.mask_from_text`` reads it)."""
    path = tree.path_to(node_id)
    chain = [_with_mask(tree, node.id) for node in path[1:]]
    return {**(chain[-1] if chain else path[-1].recipe()), "chain": chain, "original": path[0].recipe()}


def _with_mask(tree: EditTree, node_id: str) -> dict:
    mask = tree.mask(node_id)
    return {**tree.node(node_id).recipe(), "mask": None if mask is None else mask_to_text(mask)}


def export_node(tree: EditTree, node_id: str, path: str | Path, *, original_size: bool = False,
                quality: int = 95) -> Path:
    """Write node ``node_id``'s image to ``path`` (format from the extension), with its recipe.

    With ``original_size`` the image is the result at the opened photo's size, the photo's own
    pixels outside the chain's masks (generated images have none and keep their size).
    """
    path = Path(path)
    image_format = FORMATS.get(path.suffix.lower())
    if image_format is None:
        raise ParameterError(f"cannot export as '{path.suffix or path.name}': use .png, .jpg or .webp")
    image = tree.image(node_id)
    size = tree.path_to(node_id)[0].original_size
    if original_size and tree.original() is not None:
        image = tree.full_size_image(node_id)
    elif original_size and size is not None and size != image.size:
        image = image.resize(size, Image.Resampling.LANCZOS)  # a project saved before originals were kept
    recipe = export_recipe(tree, node_id)
    # Streamed to the file: a huge image's bytes are never gathered (and copied) in memory.
    if image_format == "PNG":
        save_png(image, path, recipe)
        return path
    exif = _exif(recipe)
    if image_format == "JPEG" and len(exif) > JPEG_EXIF_LIMIT:
        exif = _exif(_without_masks(recipe))
    with atomic_output(path) as stream:
        image.convert("RGB").save(stream, format=image_format, quality=quality, exif=exif)
    return path


def _exif(recipe: dict) -> bytes:
    """EXIF bytes holding ``recipe`` as ASCII JSON in the UserComment tag."""
    exif = Image.Exif()
    comment = json.dumps(recipe, sort_keys=True, ensure_ascii=True).encode("ascii")
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.UserComment] = _ASCII_PREFIX + comment
    return exif.tobytes()


def _without_masks(recipe: dict) -> dict:
    """The recipe with each mask replaced by a note saying why it is missing."""
    def strip(entry: dict) -> dict:
        return {**entry, "mask": MASKS_OMITTED} if entry.get("mask") else entry

    return {**strip(recipe), "chain": [strip(entry) for entry in recipe["chain"]]}


def read_export_recipe(path: str | Path) -> Optional[dict]:
    """The recipe in a file written by :func:`export_node` (PNG, JPEG or WebP), or None."""
    recipe = read_recipe(path)
    if recipe is not None:
        return recipe
    with Image.open(path) as image:
        comment = image.getexif().get_ifd(ExifTags.IFD.Exif).get(ExifTags.Base.UserComment)
    if isinstance(comment, bytes) and comment.startswith(_ASCII_PREFIX):
        try:
            return json.loads(comment[len(_ASCII_PREFIX):].decode("ascii"))
        except ValueError:
            return None
    return None

"""Edit masks in pixel space (ALGORITHMS.md section 5): reading, checking, feathering, and
compositing an edit into the pixels it keeps.

A mask is white (1) where the edit applies and black (0) where the picture is kept. The
session stores masks as 8-bit grayscale images (``"L"``), so a saved mask reloads to the
very same values; the engine takes them as float32 arrays in [0, 1] (:func:`mask_array`).
Compositing is ``keep + M * (edit - keep)`` on exact integers, so where ``M`` is 0 the result
is the kept pixel bit for bit and where it is 1 the edit's.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Iterable, Optional

import numpy as np
from PIL import Image, ImageFilter, UnidentifiedImageError

from core.api.errors import InputImageError, ParameterError

MASK_MODE = "L"


def mask_array(mask: Image.Image) -> np.ndarray:
    """An 8-bit mask image as float32 (H, W) in [0, 1]."""
    return np.asarray(mask.convert(MASK_MODE), dtype=np.float32) / 255.0


def mask_image(mask: np.ndarray) -> Image.Image:
    """A float mask in [0, 1] as an 8-bit grayscale image (rounded to the nearest level)."""
    return Image.fromarray(np.rint(np.clip(mask, 0.0, 1.0) * 255.0).astype(np.uint8), MASK_MODE)


def check_mask(mask: object, width: int, height: int) -> np.ndarray:
    """``mask`` as a float32 (height, width) array, or a ParameterError saying what is wrong."""
    if not isinstance(mask, np.ndarray) or mask.ndim != 2:
        raise ParameterError("the mask must be a two-dimensional array (height x width)")
    if mask.shape != (height, width):
        raise ParameterError(f"the mask is {mask.shape[1]}x{mask.shape[0]} but the image is {width}x{height}: "
                             "draw it on the image being edited")
    if not np.issubdtype(mask.dtype, np.floating) and not np.issubdtype(mask.dtype, np.integer):
        raise ParameterError("the mask must hold numbers")
    values = mask.astype(np.float32)
    if not np.isfinite(values).all() or values.min() < 0 or values.max() > 1:
        raise ParameterError("mask values must be between 0 (keep) and 1 (edit)")
    return values


def check_edit_mask(mask: object, width: int, height: int) -> np.ndarray:
    """:func:`check_mask`, refusing also a mask that selects nothing."""
    values = check_mask(mask, width, height)
    if is_empty(values):
        raise ParameterError("the mask is empty: paint where the edit should apply (white = edit), or clear it")
    return values


def is_empty(mask: np.ndarray) -> bool:
    """Whether a mask selects nothing (an edit with it would change no pixel)."""
    return not bool(mask.any())


def is_full(mask: np.ndarray) -> bool:
    """Whether a mask selects everything (the edit is the unmasked edit)."""
    return bool((mask == 1).all())


def feather(mask: Image.Image, radius: float) -> Image.Image:
    """Soften a mask's edges with a Gaussian blur of ``radius`` pixels (0: unchanged)."""
    if not np.isfinite(radius) or radius < 0:
        raise ParameterError("the feather radius must be zero or more pixels")
    return mask.convert(MASK_MODE).filter(ImageFilter.GaussianBlur(radius)) if radius > 0 else mask.convert(MASK_MODE)


def load_mask_file(path: str | Path, size: tuple[int, int],
                   original_size: Optional[tuple[int, int]] = None) -> Image.Image:
    """A mask file (white = edit, any image format) as an 8-bit mask of ``size`` (width, height).

    A mask drawn at the photo's ``original_size`` is scaled to the working size ``size``.
    """
    path = Path(path)
    if not path.is_file():
        raise InputImageError(f"mask not found: {path}")
    try:
        with Image.open(path) as image:
            image.load()
            mask = _flatten(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InputImageError(f"{path.name} is not a mask image this editor can read (use a black-and-white PNG, "
                              "white = edit)") from None
    if mask.size not in (size, original_size):
        sizes = " or ".join(f"{w}x{h}" for w, h in dict.fromkeys(s for s in (original_size, size) if s))
        raise InputImageError(f"the mask {path.name} is {mask.width}x{mask.height}, not the photo's size ({sizes}): "
                              "draw it on the photo")
    if mask.size != size:
        mask = mask.resize(size, Image.Resampling.BILINEAR)
    return mask


def _flatten(image: Image.Image) -> Image.Image:
    """Any image as an 8-bit mask: transparency counts as black (keep)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        black = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        return Image.alpha_composite(black, rgba).convert(MASK_MODE)
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        top = 65535.0 if array.max() > 255 else 255.0
        return Image.fromarray(np.clip(array / top * 255.0 + 0.5, 0, 255).astype(np.uint8), MASK_MODE)
    return image.convert(MASK_MODE)


def composite(edit: Image.Image, keep: Image.Image, mask: np.ndarray) -> Image.Image:
    """``M * edit + (1 - M) * keep``, rounded; pixels where ``M`` is 0 are ``keep``'s exactly."""
    if edit.size != keep.size or mask.shape != (keep.height, keep.width):
        raise ValueError("the edit, the kept image and the mask must have the same size")
    kept = np.asarray(keep.convert("RGB"), dtype=np.float32)
    edited = np.asarray(edit.convert("RGB"), dtype=np.float32)
    blended = kept + mask[..., None] * (edited - kept)  # exact where M is 0 or 1
    return Image.fromarray(np.clip(np.rint(blended), 0, 255).astype(np.uint8), "RGB")


def scaled_mask(mask: Image.Image, size: tuple[int, int]) -> np.ndarray:
    """A mask scaled (bilinear, so zero stays exactly zero away from the edge) to ``size``, as floats."""
    return mask_array(mask if mask.size == size else mask.resize(size, Image.Resampling.BILINEAR))


def compose_full_size(original: Image.Image, steps: Iterable[tuple[Image.Image, Optional[Image.Image]]]) -> Image.Image:
    """The chain's result at the original photo's size.

    ``steps`` are each edit's working-size result and mask (None: the whole image), root
    first. Each edit is scaled up and composited, inside its mask only, over the image the
    previous steps made, starting from the original photo: pixels outside every mask stay
    the photo's own.
    """
    size = original.size
    pixels = np.array(original.convert("RGB"))
    for result, mask in steps:
        if mask is None:
            whole = result if result.size == size else result.resize(size, Image.Resampling.LANCZOS)
            pixels = np.array(whole.convert("RGB"))
            continue
        region = _scaled_region(mask, size)
        if region is None:
            continue  # an empty mask changes nothing
        box, (left, top, right, bottom) = region
        edit = result.resize((right - left, bottom - top), Image.Resampling.LANCZOS, box=box)
        weights = scaled_mask(mask, size)[top:bottom, left:right]
        kept = Image.fromarray(pixels[top:bottom, left:right])
        pixels[top:bottom, left:right] = np.asarray(composite(edit, kept, weights))
    return Image.fromarray(pixels, "RGB")


def _scaled_region(mask: Image.Image, size: tuple[int, int]):
    """Where a mask scaled up to ``size`` can be nonzero: (box in the mask's pixels, the same
    box in ``size``'s pixels), or None for an empty mask.

    Only the edit's part in that region is scaled up and composited, so a small mask on a
    large photo costs little (PIL's resize of a box matches the full resize to within one
    level; the margin covers the filters' reach). The weights are cropped from the whole
    scaled mask, so exactly the pixels where :func:`scaled_mask` is 0 keep the original.
    """
    bbox = mask.getbbox()
    if bbox is None:
        return None
    scale_x, scale_y = size[0] / mask.width, size[1] / mask.height
    margin = 3  # mask pixels: more than LANCZOS' and the bilinear filter's reach
    x0, y0 = max(0, bbox[0] - margin), max(0, bbox[1] - margin)
    x1, y1 = min(mask.width, bbox[2] + margin), min(mask.height, bbox[3] + margin)
    target = (int(x0 * scale_x), int(y0 * scale_y), min(size[0], -int(-x1 * scale_x // 1)),
              min(size[1], -int(-y1 * scale_y // 1)))
    box = (target[0] / scale_x, target[1] / scale_y, target[2] / scale_x, target[3] / scale_y)
    return box, target


def mask_to_text(mask: Image.Image) -> str:
    """A mask as base64 PNG text (for JSON recipes)."""
    buffer = io.BytesIO()
    mask.convert(MASK_MODE).save(buffer, format="PNG", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def mask_from_text(text: object, size: Optional[tuple[int, int]] = None) -> Image.Image:
    """The mask :func:`mask_to_text` wrote (a ValueError for anything else, or another ``size``)."""
    if not isinstance(text, str):
        raise ValueError("a mask must be base64 PNG text")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG" or image.mode != MASK_MODE:
                raise ValueError("a mask must be an 8-bit grayscale PNG")
            image.load()
            mask = image.copy()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError, UnicodeEncodeError) as error:
        raise ValueError(f"unreadable mask ({error})") from None
    if size is not None and mask.size != size:
        raise ValueError(f"the mask is {mask.width}x{mask.height}, not {size[0]}x{size[1]}")
    return mask

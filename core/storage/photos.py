"""Reading user photos safely and choosing the size the model works at."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from core.api.errors import InputImageError
from core.rules.sizes import MAX_SIDE, SIZE_MULTIPLE, check_pixel_budget
from core.storage.regular_files import open_regular_file

DEFAULT_MAX_PIXELS = 1024 * 1024
# Photos beyond this are refused rather than decoded (a decompression bomb guard that still
# admits 100+ megapixel camera files).
MAX_DECODE_PIXELS = 400_000_000

Image.MAX_IMAGE_PIXELS = MAX_DECODE_PIXELS


def working_size(width: int, height: int, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[int, int]:
    """Size the model works at: aspect kept, at most ``max_pixels`` and :data:`MAX_SIDE`, sides multiples of 16.

    An image that already fits the budget with sides that are multiples of 16 keeps its size.
    """
    check_pixel_budget(max_pixels)
    if width < SIZE_MULTIPLE or height < SIZE_MULTIPLE:
        raise InputImageError(f"the image is too small: each side must be at least {SIZE_MULTIPLE} pixels")
    scale = min(math.sqrt(max_pixels / (width * height)), MAX_SIDE / max(width, height))
    if scale < 1:
        width, height = int(width * scale), int(height * scale)
    width -= width % SIZE_MULTIPLE
    height -= height % SIZE_MULTIPLE
    if width < SIZE_MULTIPLE or height < SIZE_MULTIPLE:
        raise InputImageError(
            f"the image is too small or too narrow: each side must be at least {SIZE_MULTIPLE} pixels "
            "at the working size"
        )
    return width, height


# The value that means full white in each high-bit-depth mode: the scale comes from the mode,
# never from the pixels (a dark 16-bit photo stays dark). "I" is how 16-bit files are read;
# "F" images (float TIFFs) hold 0..1.
_WHITE_OF_MODE = {"I;16": 65535.0, "I;16B": 65535.0, "I;16L": 65535.0, "I;16N": 65535.0, "I": 65535.0, "F": 1.0}


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any PIL mode to 8-bit RGB; transparency is flattened onto white. An RGB image is
    returned as it is: a copy of a huge photo would cost hundreds of MB, and allocating and
    freeing them holds Python's lock long enough to stall the editor's window."""
    if image.mode == "RGB":
        return image
    white = _WHITE_OF_MODE.get(image.mode)
    if white is not None:
        array = np.nan_to_num(np.asarray(image, dtype=np.float64), nan=0.0, posinf=white, neginf=0.0)
        image = Image.fromarray(np.clip(array / white * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    return image.convert("RGB")


def load_image(path: str | Path) -> Image.Image:
    """Open a photo as upright 8-bit RGB, or raise :class:`InputImageError` with a clear line.

    Handles EXIF rotation, CMYK, 16-bit, palette and alpha images; refuses missing, corrupt,
    truncated and absurdly large files.
    """
    path = Path(path)
    if not path.exists():
        raise InputImageError(f"image not found: {path}")
    if path.is_dir():
        raise InputImageError(f"{path} is a folder, not an image file")
    if not path.is_file():
        raise InputImageError(f"{path} is not a regular file (a FIFO, device or socket cannot be opened as a photo)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with open_regular_file(path) as stream:
                # Not closed after: once loaded, the image no longer reads its file, and
                # closing it would free the pixels that are returned.
                image = Image.open(stream)
                image.load()
            ImageOps.exif_transpose(image, in_place=True)  # in place: no copy when upright
            return _to_rgb(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputImageError(
            f"{path.name} is too large to open safely (over {MAX_DECODE_PIXELS // 1_000_000} megapixels); "
            "scale it down first"
        ) from None
    except UnidentifiedImageError:
        raise InputImageError(f"{path.name} is not an image this editor can read (try PNG, JPEG or WebP)") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise InputImageError(f"{path.name} could not be read, it may be corrupt or truncated ({error})") from None


def resize_to_working_size(image: Image.Image, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Resize (only when needed) to :func:`working_size`."""
    size = working_size(image.width, image.height, max_pixels)
    if size == image.size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS)


def image_to_tensor_array(image: Image.Image) -> np.ndarray:
    """RGB image to a float32 array of shape (3, H, W) in [-1, 1]."""
    array = np.asarray(image.convert("RGB"), dtype=np.float32) / 127.5 - 1.0
    return array.transpose(2, 0, 1).copy()


# Truncated files are refused (see load_image) rather than silently padded.
ImageFile.LOAD_TRUNCATED_IMAGES = False

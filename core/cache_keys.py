"""Content keys for cached inversions: same pixels, model and parameters give the same key."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import torch
from PIL import Image

CACHE_FORMAT_VERSION = 1


def image_digest(image: Image.Image) -> str:
    """SHA-256 of an image's RGB pixels and size (file format and metadata do not matter)."""
    pixels = np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))
    digest = hashlib.sha256(f"{image.width}x{image.height}:".encode())
    digest.update(pixels.tobytes())
    return digest.hexdigest()


def inversion_key(
    image: Image.Image,
    *,
    model_id: str,
    revision: str | None,
    prompt: str,
    steps: int,
    nudging: float,
    guidance: float,
    dtype: torch.dtype,
    max_sequence_length: int,
) -> str:
    """The key of an inversion trajectory: every input that changes it, plus the format version."""
    fields = {
        "format": CACHE_FORMAT_VERSION,
        "image": image_digest(image),
        "model": model_id,
        "revision": revision,
        "prompt": prompt,
        "steps": steps,
        "nudging": nudging,
        "guidance": guidance,
        "dtype": str(dtype),
        "max_sequence_length": max_sequence_length,
    }
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()

"""Content keys of the engine's caches, one function per cache.

Each key is the SHA-256 of a declared list of fields: everything that changes the cached
result (pixels or source latents, the model and its weights, prompt, steps, guidance...)
plus the cache format version. A key function refuses to build a key whose fields differ
from its declared list, so a field cannot be dropped from one without the other.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

import numpy as np
import torch
from PIL import Image

from core.api.trajectory import Trajectory

CACHE_FORMAT_VERSION = 2

# What identifies the model a cached result came from (see ModelIdentity).
MODEL_FIELDS = ("model", "revision", "fingerprint", "weights", "dtype", "device")
INVERSION_KEY_FIELDS = ("format", *MODEL_FIELDS, "image", "prompt", "steps", "nudging", "guidance",
                        "max_sequence_length")
SOURCE_KV_KEY_FIELDS = ("format", *MODEL_FIELDS, "source", "prompt", "guidance", "vital_layers",
                        "max_sequence_length")
# Text encoders are not affected by the transformer's weight precision, so "weights" is not in it.
PROMPT_KEY_FIELDS = ("format", "model", "revision", "fingerprint", "dtype", "device", "prompt",
                     "max_sequence_length")


@dataclass(frozen=True)
class ModelIdentity:
    """Which weights computed a result.

    ``fingerprint`` covers a local folder's weight files (names, sizes, modification
    times), so a folder changed in place gets new keys; it is None for Hugging Face ids
    (the revision names their weights) and the built-in random models.
    """

    model: str
    revision: Optional[str]
    fingerprint: Optional[str]
    weights: str
    dtype: str
    device: str

    def fields(self) -> dict[str, Any]:
        """The identity as key fields."""
        return {"model": self.model, "revision": self.revision, "fingerprint": self.fingerprint,
                "weights": self.weights, "dtype": self.dtype, "device": self.device}


def folder_fingerprint(folder: Path) -> str:
    """SHA-256 of every file's relative path, size and modification time under ``folder``."""
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            try:
                stat = path.stat()
            except OSError:  # vanished or unreadable: its absence is part of the fingerprint
                continue
            digest.update(f"{path.relative_to(folder).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def image_digest(image: Image.Image) -> str:
    """SHA-256 of an image's RGB pixels and size (file format and metadata do not matter)."""
    pixels = np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))
    digest = hashlib.sha256(f"{image.width}x{image.height}:".encode())
    digest.update(pixels.tobytes())
    return digest.hexdigest()


def tensor_digest(*tensors: torch.Tensor) -> str:
    """SHA-256 of tensors' dtypes, shapes and bytes."""
    digest = hashlib.sha256()
    for tensor in tensors:
        tensor = tensor.detach().to("cpu").contiguous()
        digest.update(f"{tensor.dtype}{tuple(tensor.shape)}".encode())
        digest.update(tensor.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _key(kind: str, declared: tuple[str, ...], fields: Mapping[str, Any]) -> str:
    if tuple(sorted(fields)) != tuple(sorted(declared)):
        raise ValueError(f"{kind} key fields {sorted(fields)} differ from the declared {sorted(declared)}")
    return hashlib.sha256(json.dumps({"cache": kind, **fields}, sort_keys=True).encode()).hexdigest()


def inversion_key(
    image: Image.Image,
    model: ModelIdentity,
    *,
    prompt: str,
    steps: int,
    nudging: float,
    guidance: float,
    max_sequence_length: int,
) -> str:
    """The key of a photo's inversion trajectory."""
    return _key("inversion", INVERSION_KEY_FIELDS, {
        "format": CACHE_FORMAT_VERSION, **model.fields(), "image": image_digest(image), "prompt": prompt,
        "steps": int(steps), "nudging": float(nudging), "guidance": float(guidance),
        "max_sequence_length": int(max_sequence_length),
    })


def source_kv_key(source: Trajectory, model: ModelIdentity, *, vital_layers: tuple[int, ...],
                  max_sequence_length: int) -> str:
    """The key of a source row's recorded K/V: its trajectory (latents and schedule), prompt,
    guidance, the injected layers and the model."""
    return _key("source-kv", SOURCE_KV_KEY_FIELDS, {
        "format": CACHE_FORMAT_VERSION, **model.fields(), "source": tensor_digest(source.latents, source.sigmas),
        "prompt": source.prompt, "guidance": float(source.guidance), "vital_layers": list(vital_layers),
        "max_sequence_length": int(max_sequence_length),
    })


def prompt_key(model: ModelIdentity, *, prompt: str, max_sequence_length: int) -> str:
    """The key of a prompt's text embeddings."""
    fields = {name: value for name, value in model.fields().items() if name in PROMPT_KEY_FIELDS}
    return _key("prompt", PROMPT_KEY_FIELDS, {
        "format": CACHE_FORMAT_VERSION, **fields, "prompt": prompt, "max_sequence_length": int(max_sequence_length),
    })

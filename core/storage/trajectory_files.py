"""Trajectories as self-describing safetensors bytes (tensors plus their prompt, size, guidance)."""

from __future__ import annotations

import json
import struct
from typing import Optional

from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from core.api.trajectory import Trajectory
from core.storage.trajectory_checks import trajectory_problem

TRAJECTORY_FORMAT = "1"


def trajectory_to_bytes(trajectory: Trajectory) -> bytes:
    """Safetensors bytes holding ``latents`` and ``sigmas``, the rest in the header metadata."""
    metadata = {
        "format": TRAJECTORY_FORMAT,
        "height": str(trajectory.height),
        "width": str(trajectory.width),
        "prompt": trajectory.prompt,
        "guidance": repr(float(trajectory.guidance)),
    }
    tensors = {"latents": trajectory.latents.contiguous(), "sigmas": trajectory.sigmas.contiguous()}
    return save_tensors(tensors, metadata=metadata)


def _metadata(data: bytes) -> dict:
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    return metadata if isinstance(metadata, dict) else {}


def trajectory_from_bytes(data: bytes, image_size: Optional[tuple[int, int]] = None) -> Trajectory:
    """The trajectory :func:`trajectory_to_bytes` wrote; ValueError (one line) when the bytes are
    damaged or describe an unusable trajectory (see :mod:`core.storage.trajectory_checks`),
    for example one that does not fit ``image_size`` (width, height) when given."""
    try:
        tensors = load_tensors(data)
        metadata = _metadata(data)
        latents, sigmas = tensors["latents"], tensors["sigmas"]
        trajectory = Trajectory(latents, sigmas, int(metadata["height"]), int(metadata["width"]),
                                metadata["prompt"], float(metadata["guidance"]))
    except (SafetensorError, struct.error, KeyError, ValueError, TypeError) as error:  # truncated or garbled
        raise ValueError(f"not a readable trajectory ({type(error).__name__})") from None
    if metadata.get("format") != TRAJECTORY_FORMAT:
        raise ValueError(f"unknown trajectory format {metadata.get('format')!r}")
    problem = trajectory_problem(trajectory, image_size)
    if problem:
        raise ValueError(problem)
    return trajectory

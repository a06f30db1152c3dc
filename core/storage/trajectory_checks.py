"""Checking a latent trajectory read from a file (a project, an autosave, a cache entry).

A trajectory is replayed as an edit source, so a crafted one must be refused before the
engine sees it: its tensors must have a packed layout for its image size (FLUX's or the demo
model's; the model it is replayed on checks which), a float dtype the engine computes in,
between 1 and :data:`MAX_STEPS` steps of a falling noise schedule, and only finite values (a
NaN latent would give a black image, and be cached).
"""

from __future__ import annotations

import math
from typing import Optional

import torch

from core.api.trajectory import Trajectory

LATENT_DTYPES = (torch.float32, torch.bfloat16, torch.float16)
PACKED_CHANNELS = 64  # FLUX: 16 VAE channels in 2x2 patches
# Image pixels per packed token side (2x2 packing): 16 for FLUX's VAE (scale 8), 8 for the demo
# model's (scale 4). Which one a model uses is checked when a trajectory is replayed on it.
TOKEN_SIDES = (16, 8)
PATCH = min(TOKEN_SIDES)
MAX_STEPS = 1000
MAX_PIXELS = 64 * 1024 * 1024


def trajectory_problem(trajectory: Trajectory, image_size: Optional[tuple[int, int]] = None) -> Optional[str]:
    """What is wrong with ``trajectory`` (one phrase), or None when it is usable.

    ``image_size`` (width, height) is the image the trajectory belongs to, when known.
    """
    latents, sigmas = trajectory.latents, trajectory.sigmas
    height, width = trajectory.height, trajectory.width
    if latents.dtype not in LATENT_DTYPES or not sigmas.is_floating_point():
        return f"its tensors have the unsupported type {latents.dtype}"
    if latents.dim() != 3 or sigmas.dim() != 1 or sigmas.shape[0] != latents.shape[0]:
        return "its tensors have inconsistent shapes"
    if not 2 <= latents.shape[0] <= MAX_STEPS + 1:
        return f"it has {latents.shape[0] - 1} steps (1 to {MAX_STEPS} are possible)"
    if height < PATCH or width < PATCH or height % PATCH or width % PATCH or height * width > MAX_PIXELS:
        return f"its size {width}x{height} is not a multiple of {PATCH} within {MAX_PIXELS // 2**20} megapixels"
    fits = any(height % side == 0 and width % side == 0 and latents.shape[1] == (height // side) * (width // side)
               for side in TOKEN_SIDES)
    if not fits or latents.shape[2] != PACKED_CHANNELS:
        return f"its latents do not fit a {width}x{height} image"
    if image_size is not None and tuple(image_size) != (width, height):
        return f"it is for a {width}x{height} image, not the {image_size[0]}x{image_size[1]} one it is stored with"
    # The schedule is at most 1001 numbers: checked as Python floats (fewer torch calls per
    # trajectory keeps a 5,000-result project quick to open).
    schedule = sigmas.double().tolist()
    if not all(math.isfinite(sigma) for sigma in schedule) or not torch.isfinite(latents).all():
        return "it holds non-finite numbers (NaN or infinity)"
    if min(schedule) < 0 or max(schedule) > 1 or any(b > a for a, b in zip(schedule, schedule[1:])):
        return "its noise schedule is not a falling sequence from 1 to 0"
    if not isinstance(trajectory.prompt, str) or not math.isfinite(trajectory.guidance):
        return "its prompt or guidance is not valid"
    return None

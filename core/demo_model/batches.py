"""Training batches of the demo world: rendered scenes as tensors, with their captions.

Scenes are rendered on the fly (Pillow draws a 64x64 scene in under a millisecond), so
the data never repeats and needs no disk. Each phase reads its own range of scene
indices; the benchmark's scenes come from a range no training phase reaches. The first phases
train on the plain world (the same scenes without their horizon), the horizon phases on the
whole world.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from core.demo_world.captions import caption
from core.demo_world.render import render
from core.demo_world.scenes import Scene, scene_for_index

VAE_SCENES = 0
TRANSFORMER_SCENES = 100_000_000
HORIZON_VAE_SCENES = 200_000_000
HORIZON_TRANSFORMER_SCENES = 300_000_000
HELD_OUT_SCENES = 900_000_000  # benchmarks and tests: never seen in training


def scenes_for_step(seed: int, first_index: int, step: int, batch_size: int, horizon: bool = True) -> list[Scene]:
    """The ``batch_size`` scenes of training step ``step`` in a phase starting at ``first_index``
    (without ``horizon``, on a plain background)."""
    start = first_index + step * batch_size
    scenes = [scene_for_index(seed, start + offset) for offset in range(batch_size)]
    return scenes if horizon else [replace(scene, horizon=None) for scene in scenes]


def scenes_to_pixels(scenes: list[Scene]) -> torch.Tensor:
    """(B, 3, 64, 64) float32 in [-1, 1], the range FLUX's VAE reads."""
    arrays = np.stack([np.asarray(render(scene), dtype=np.float32) for scene in scenes])
    return torch.from_numpy(arrays).permute(0, 3, 1, 2) / 127.5 - 1.0


def captions_with_dropout(scenes: list[Scene], generator: torch.Generator, dropout: float) -> list[str]:
    """Captions, each replaced by the empty prompt with probability ``dropout`` (for empty-prompt inversion)."""
    drops = torch.rand(len(scenes), generator=generator) < dropout
    return ["" if drop else caption(scene) for scene, drop in zip(scenes, drops.tolist())]

"""Rectified-flow training targets with FLUX's shifted timestep sampling.

FLUX samples t from a logit-normal and shifts it toward noise by exp(mu), mu growing
with the image's token count (the same ``calculate_shift`` FluxPipeline uses to pick
its inference schedule), so training sees the noise levels inference visits.
The noisy latent is x_t = (1 - t) x_0 + t noise and the velocity target noise - x_0,
the convention of FlowMatchEulerDiscreteScheduler.
"""

from __future__ import annotations

import math

import torch
from diffusers.pipelines.flux.pipeline_flux import calculate_shift


def shift_mu(image_tokens: int, scheduler_config) -> float:
    """FLUX's resolution-dependent shift exponent for ``image_tokens`` tokens."""
    return calculate_shift(
        image_tokens, scheduler_config.get("base_image_seq_len", 256), scheduler_config.get("max_image_seq_len", 4096),
        scheduler_config.get("base_shift", 0.5), scheduler_config.get("max_shift", 1.15),
    )


def sample_timesteps(count: int, mu: float, generator: torch.Generator) -> torch.Tensor:
    """(count,) noise levels in (0, 1): logit-normal, then FLUX's exponential time shift."""
    t = torch.sigmoid(torch.randn(count, generator=generator))
    return math.exp(mu) / (math.exp(mu) + (1.0 / t - 1.0))


def noisy_and_target(clean: torch.Tensor, t: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(x_t, velocity target) for packed latents ``clean`` (B, tokens, C) at noise levels ``t`` (B,)."""
    noise = torch.randn(clean.shape, generator=generator, dtype=clean.dtype)
    level = t.view(-1, *([1] * (clean.dim() - 1))).to(clean.dtype)
    return (1.0 - level) * clean + level * noise, noise - clean

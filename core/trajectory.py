"""Latent trajectories: an image's packed latent at every noise level of a schedule."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Trajectory:
    """``latents[i]`` is the image's packed latent at noise level ``sigmas[i]``, i = 0..N.

    ``latents[0]`` is the noise end (sigma 1) and ``latents[N]`` the clean end (sigma 0).
    ``prompt`` and ``guidance`` are what the transformer saw for this row, so replaying the
    trajectory as an edit source reproduces the row's attention keys and values.
    Tensors live on the CPU.
    """

    latents: torch.Tensor  # (N+1, tokens, C)
    sigmas: torch.Tensor  # (N+1,)
    height: int
    width: int
    prompt: str
    guidance: float

    @property
    def num_steps(self) -> int:
        """N, the number of steps between the noise and the clean end."""
        return self.latents.shape[0] - 1

    @property
    def clean(self) -> torch.Tensor:
        """The clean-end latent (1, tokens, C)."""
        return self.latents[-1:]

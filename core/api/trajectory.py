"""Latent trajectories: an image's packed latent at every noise level of a schedule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

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


@dataclass(frozen=True)
class ExpectedTrajectory:
    """What a trajectory fetched for a request must be: a cache entry that differs is not used."""

    prompt: str
    height: int
    width: int
    steps: int
    tokens: int
    channels: int
    dtype: torch.dtype

    def mismatch(self, trajectory: Trajectory) -> Optional[str]:
        """Why ``trajectory`` does not fit (one phrase), or None when it does."""
        latents = trajectory.latents
        if trajectory.prompt != self.prompt:
            return "it was made for another prompt"
        if (trajectory.height, trajectory.width) != (self.height, self.width):
            return f"it is {trajectory.width}x{trajectory.height}, not {self.width}x{self.height}"
        if tuple(latents.shape) != (self.steps + 1, self.tokens, self.channels):
            return f"its latents have shape {tuple(latents.shape)}"
        if latents.dtype != self.dtype:
            return f"its latents are {latents.dtype}, not {self.dtype}"
        if not bool(torch.isfinite(latents).all()):
            return "its latents hold NaN or infinite values"
        return None

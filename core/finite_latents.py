"""A latent with NaN or infinity in it is a failed computation: stop with one line, never cache it."""

from __future__ import annotations

import torch

from core.errors import UserError
from core.trajectory import Trajectory


class NonFiniteLatentError(UserError):
    """A latent trajectory holds NaN or infinite numbers (the image would come out black)."""


def require_finite_latents(trajectory: Trajectory) -> None:
    """Raise NonFiniteLatentError when ``trajectory`` holds a non-finite number."""
    if not torch.isfinite(trajectory.latents).all():
        raise NonFiniteLatentError(
            "the computation produced invalid numbers (NaN or infinity), so nothing was kept: "
            "try other parameters or --dtype float32"
        )

"""A latent with NaN or infinity in it is a failed computation: stop with one line, never cache it."""

from __future__ import annotations

import torch

from core.api.errors import NonFiniteError
from core.api.trajectory import Trajectory


def require_finite_latents(trajectory: Trajectory) -> None:
    """Raise :class:`~core.api.errors.NonFiniteError` when ``trajectory`` holds a non-finite number."""
    if not torch.isfinite(trajectory.latents).all():
        raise NonFiniteError(
            "the computation produced invalid numbers (NaN or infinity), so nothing was kept: "
            "try other parameters or --dtype float32"
        )

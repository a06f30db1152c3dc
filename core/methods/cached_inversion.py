"""A photo's inversion, looked up in and kept in an inversion store (the methods that invert share it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional

import torch
from PIL import Image

from core.api.progress import JobControl
from core.api.trajectory import ExpectedTrajectory, Trajectory
from core.methods.inversion import invert
from core.model.flux_model import FluxModel
from core.storage.cache_keys import inversion_key

if TYPE_CHECKING:  # core.methods.registry imports this module
    from core.api.requests import InversionStore


def cached_inversion(
    model: FluxModel,
    store: Optional[InversionStore],
    image: Optional[Image.Image],
    clean: Callable[[], torch.Tensor],
    *,
    height: int,
    width: int,
    prompt: str,
    steps: int,
    nudging: float,
    guidance: float,
    max_sequence_length: int,
    control: JobControl,
) -> Trajectory:
    """The inversion of the latent ``clean()`` returns (packed, at ``height`` x ``width``).

    For a photo (``image`` given) it comes from ``store`` when that holds a fitting one;
    otherwise it is computed (``clean`` is only called then) and stored.
    """
    key = None
    if store is not None and image is not None:
        key = inversion_key(image, model.identity, prompt=prompt, steps=steps, nudging=nudging, guidance=guidance,
                            max_sequence_length=max_sequence_length)
        expected = ExpectedTrajectory(prompt, height, width, steps, model.image_tokens(height, width),
                                      model.latent_channels, model.dtype)
        cached = store.get(key, expected)
        if cached is not None:
            return cached
    trajectory = invert(model, clean(), prompt, height=height, width=width, steps=steps, nudging=nudging,
                        guidance=guidance, max_sequence_length=max_sequence_length, control=control)
    if key is not None:
        store.put(key, trajectory)
    return trajectory

"""Decoding packed latents to images as a step of a job: cancellable before, reported after."""

from __future__ import annotations

import torch
from PIL import Image

from core.api.progress import JobControl
from core.flux.latents import decode_latents
from core.model.flux_model import FluxModel


def decode_with_progress(
    model: FluxModel, latents: torch.Tensor, height: int, width: int, control: JobControl
) -> list[Image.Image]:
    """Decode packed latents (B, tokens, C) to images, reporting a "decode" step (cancellable before it)."""
    control.check()
    images = decode_latents(model.pipeline, latents, height, width, model.device)
    control.step("decode", 1, 1)
    return images

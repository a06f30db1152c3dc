"""An offline image metric for vital-layer detection on the demo model: its own VAE's latents.

DINOv2 cannot be downloaded here. The demo VAE was trained to reconstruct exactly this
world, so its latent (the posterior mean, shifted and scaled as FLUX's pipeline does) holds
every object's colour, shape and place; the cosine of two flattened latents is 1 for the
same picture and falls as objects change. The embedder follows ImageEmbedder's interface.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from PIL import Image

from core.demo_world.scenes import IMAGE_SIZE
from core.model.demo_weights import demo_model_folder

DEMO_VAE_METRIC_ID = "demo-vae"
DEMO_VAE_EMBEDDING = "demo VAE posterior mean, (z - shift_factor) * scaling_factor, flattened"


class VaeLatentEmbedder:
    """Flattened, normalised VAE latents of 64x64 images as embeddings."""

    embedding = DEMO_VAE_EMBEDDING

    def __init__(self, vae, device: torch.device, dtype: torch.dtype) -> None:
        self.vae = vae.to(device=device, dtype=dtype).eval()
        self.model_id = DEMO_VAE_METRIC_ID
        self.device = device
        self.dtype = dtype

    @torch.no_grad()
    def embed(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """(n, D) float32 CPU embeddings, one row per image (resized to 64x64 first)."""
        arrays = [np.asarray(image.convert("RGB").resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BICUBIC),
                             dtype=np.float32) for image in images]
        pixels = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2) / 127.5 - 1.0
        latent = self.vae.encode(pixels.to(device=self.device, dtype=self.dtype)).latent_dist.mean
        latent = (latent - self.vae.config.shift_factor) * self.vae.config.scaling_factor
        return latent.flatten(1).to(device="cpu", dtype=torch.float32)


def load_demo_vae_embedder(device: torch.device, dtype: torch.dtype) -> VaeLatentEmbedder:
    """The embedder over the shipped demo model's VAE (a one-line error when it is missing)."""
    from diffusers import AutoencoderKL

    return VaeLatentEmbedder(AutoencoderKL.from_pretrained(str(demo_model_folder() / "vae")), device, dtype)

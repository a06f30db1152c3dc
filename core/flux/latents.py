"""FLUX latent plumbing: packing, position ids, shared noise, VAE encode and decode."""

from __future__ import annotations

import torch
from diffusers import FluxPipeline
from PIL import Image

from core.storage.photos import image_to_tensor_array


def latent_grid(height: int, width: int, vae_scale_factor: int) -> tuple[int, int]:
    """Unpacked latent height and width for an image size (each even, for 2x2 packing)."""
    return 2 * (height // (vae_scale_factor * 2)), 2 * (width // (vae_scale_factor * 2))


def num_image_tokens(height: int, width: int, vae_scale_factor: int) -> int:
    """How many packed image tokens an image of this size has."""
    latent_h, latent_w = latent_grid(height, width, vae_scale_factor)
    return (latent_h // 2) * (latent_w // 2)


def pack(latents: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, H/2 * W/2, 4C), the token layout FLUX's transformer reads."""
    batch, channels, height, width = latents.shape
    latents = latents.view(batch, channels, height // 2, 2, width // 2, 2)
    latents = latents.permute(0, 2, 4, 1, 3, 5)
    return latents.reshape(batch, (height // 2) * (width // 2), channels * 4)


def unpack(latents: torch.Tensor, latent_h: int, latent_w: int) -> torch.Tensor:
    """Inverse of :func:`pack` for a latent grid of ``latent_h`` x ``latent_w``."""
    batch, _, packed_channels = latents.shape
    channels = packed_channels // 4
    latents = latents.view(batch, latent_h // 2, latent_w // 2, channels, 2, 2)
    latents = latents.permute(0, 3, 1, 4, 2, 5)
    return latents.reshape(batch, channels, latent_h, latent_w)


def image_position_ids(height: int, width: int, vae_scale_factor: int, device, dtype) -> torch.Tensor:
    """(tokens, 3) RoPE position ids of the packed image tokens, as FluxPipeline builds them."""
    latent_h, latent_w = latent_grid(height, width, vae_scale_factor)
    return FluxPipeline._prepare_latent_image_ids(1, latent_h // 2, latent_w // 2, device, dtype)


def shared_noise(seed: int, tokens: int, channels: int, device, dtype) -> torch.Tensor:
    """The one packed noise latent every row of a batch starts from, drawn on the CPU.

    Drawing on the CPU with a seeded generator makes results identical on every device.
    """
    generator = torch.Generator("cpu").manual_seed(seed)
    noise = torch.randn((tokens, channels), generator=generator, dtype=torch.float32)
    return noise.to(device=device, dtype=dtype)


@torch.no_grad()
def encode_image(pipeline: FluxPipeline, image: Image.Image, device, dtype) -> torch.Tensor:
    """Packed, shifted and scaled VAE latent (1, tokens, C) of an image at its current size."""
    vae = pipeline.vae
    pixels = torch.from_numpy(image_to_tensor_array(image))[None]
    pixels = pixels.to(device=device, dtype=vae.dtype)
    latent = vae.encode(pixels).latent_dist.mean
    latent = (latent - vae.config.shift_factor) * vae.config.scaling_factor
    return pack(latent).to(dtype=dtype)


@torch.no_grad()
def decode_latents(
    pipeline: FluxPipeline, latents: torch.Tensor, height: int, width: int, device: torch.device
) -> list[Image.Image]:
    """Decode packed latents (B, tokens, C) to PIL images of ``width`` x ``height``."""
    vae = pipeline.vae
    latent_h, latent_w = latent_grid(height, width, pipeline.vae_scale_factor)
    unpacked = unpack(latents, latent_h, latent_w)
    unpacked = unpacked / vae.config.scaling_factor + vae.config.shift_factor
    images = []
    for row in unpacked:  # one row at a time keeps the VAE's peak memory at batch 1
        decoded = vae.decode(row[None].to(device=device, dtype=vae.dtype), return_dict=False)[0]
        images.extend(pipeline.image_processor.postprocess(decoded, output_type="pil"))
    return images

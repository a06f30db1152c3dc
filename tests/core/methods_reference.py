"""Building blocks for the methods' reference computations, written from the formulas of
ALGORITHMS.md section 3 and calling the stock transformer directly (batch of one)."""

from __future__ import annotations

import torch

from core.flux.latents import encode_image
from tests.helpers import gradient_photo

SEQ = 16
HEIGHT, WIDTH = 48, 64


def velocity(model, x, sigma, prompt, guidance, height=HEIGHT, width=WIDTH):
    """v(x, sigma, prompt, guidance) for one packed latent (1, tokens, C)."""
    cond = model.conditioning([prompt], [guidance], height, width, SEQ)
    return model.pipeline.transformer(
        hidden_states=x.to(model.dtype), timestep=torch.tensor([float(sigma)]), guidance=torch.tensor([guidance]),
        pooled_projections=cond.pooled, encoder_hidden_states=cond.tokens, txt_ids=cond.text_ids,
        img_ids=cond.image_ids, return_dict=False,
    )[0].float()


def noise_draws(seed, tokens):
    """A function returning successive (1, tokens, 64) draws of one seeded CPU generator."""
    generator = torch.Generator("cpu").manual_seed(seed)
    return lambda: torch.randn((tokens, 64), generator=generator, dtype=torch.float32)[None]


def photo_latent(model, seed=0):
    """A test photo and its packed VAE latent (no nudging)."""
    photo = gradient_photo(WIDTH, HEIGHT, seed=seed)
    return photo, encode_image(model.pipeline, photo, model.device, model.dtype).float()


def close(actual, expected):
    """Equal up to the float noise of batched versus single transformer calls."""
    torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-4)

"""The engine reproduces stock diffusers FluxPipeline wherever Stable Flow should not change anything."""

import numpy as np
import torch

from core.flux.latents import shared_noise
from core.methods.stable_flow.editing import generate_edits

PROMPTS = ["a photo of a dog on a street", "a photo of a cat on a street", "a photo of a dog wearing a hat"]
SIZE = 64
STEPS = 4
SEQ = 32


def _stock_latents(model, prompts, seed, guidance=3.5):
    """Run stock FluxPipeline on our shared noise and our prompt embeddings; packed final latents."""
    tokens, pooled = model.prompt_encoder.encode_batch(prompts, SEQ)
    noise = shared_noise(seed, model.image_tokens(SIZE, SIZE), model.latent_channels, model.device, model.dtype)
    start = noise.expand(len(prompts), -1, -1).contiguous()
    return model.pipeline(
        prompt_embeds=tokens, pooled_prompt_embeds=pooled, latents=start, height=SIZE, width=SIZE,
        num_inference_steps=STEPS, guidance_scale=guidance, output_type="latent", max_sequence_length=SEQ,
    ).images


def test_without_vital_layers_output_equals_stock_pipeline(tiny_model):
    ours = generate_edits(tiny_model, PROMPTS, height=SIZE, width=SIZE, seed=7, vital_layers=(), steps=STEPS,
                          max_sequence_length=SEQ)
    stock = _stock_latents(tiny_model, PROMPTS, seed=7)
    final = torch.stack([t.latents[-1] for t in ours.trajectories])
    assert torch.equal(final, stock)


def test_prompt_embeddings_equal_stock_encoder(tiny_model):
    tokens, pooled = tiny_model.prompt_encoder.encode_batch(PROMPTS[:2], SEQ)
    stock_tokens, stock_pooled, _ = tiny_model.pipeline.encode_prompt(PROMPTS[:2], None, max_sequence_length=SEQ)
    torch.testing.assert_close(tokens, stock_tokens, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(pooled, stock_pooled, rtol=1e-5, atol=1e-6)


def test_source_row_of_generated_edit_equals_plain_single_prompt_generation(tiny_model):
    ours = generate_edits(tiny_model, PROMPTS, height=SIZE, width=SIZE, seed=3, vital_layers=(0, 1, 3, 5),
                          steps=STEPS, max_sequence_length=SEQ)
    plain = _stock_latents(tiny_model, PROMPTS[:1], seed=3)
    torch.testing.assert_close(ours.trajectories[0].latents[-1], plain[0], rtol=1e-5, atol=1e-5)
    # and the edits really are different images
    assert not torch.allclose(ours.trajectories[1].latents[-1], ours.trajectories[0].latents[-1], atol=1e-3)


def test_every_row_starts_from_one_seeded_cpu_noise(tiny_model):
    ours = generate_edits(tiny_model, PROMPTS, height=SIZE, width=96, seed=11, vital_layers=(0,), steps=2,
                          max_sequence_length=SEQ)
    tokens = tiny_model.image_tokens(SIZE, 96)
    expected = torch.randn((tokens, 64), generator=torch.Generator("cpu").manual_seed(11), dtype=torch.float32)
    for trajectory in ours.trajectories:
        assert torch.equal(trajectory.latents[0], expected)


def test_prompts_are_encoded_once_per_distinct_prompt(tiny_model):
    from core.model.flux_model import FluxModel

    fresh = FluxModel(tiny_model.pipeline, "tiny-random", tiny_model.device, tiny_model.dtype)
    generate_edits(fresh, ["a red car", "a blue car", "a blue car"], height=SIZE, width=SIZE, seed=0,
                   vital_layers=(0,), steps=5, max_sequence_length=SEQ)
    assert fresh.prompt_encoder.encoder_calls == 2
    generate_edits(fresh, ["a red car", "a blue car"], height=SIZE, width=SIZE, seed=1, vital_layers=(0,), steps=3,
                   max_sequence_length=SEQ)
    assert fresh.prompt_encoder.encoder_calls == 2


def _stock_decode(model, packed, height, width):
    """FluxPipeline's own decode (unpack, unscale, unshift, VAE, PIL) of a packed latent: a one-step run
    whose step-end callback hands the pipeline ``packed`` as its final latent."""
    tokens, pooled = model.prompt_encoder.encode_batch(["a photo"], SEQ)
    return model.pipeline(
        prompt_embeds=tokens, pooled_prompt_embeds=pooled, latents=packed.clone(), height=height, width=width,
        num_inference_steps=1, output_type="pil", max_sequence_length=SEQ,
        callback_on_step_end=lambda pipe, step, timestep, kwargs: {"latents": packed.clone()},
    ).images[0]


def test_vae_encode_and_decode_match_diffusers(tiny_model):
    from core.flux.latents import decode_latents, encode_image
    from tests.helpers import gradient_photo

    pipeline, height, width = tiny_model.pipeline, 48, 64
    photo = gradient_photo(width, height, seed=5)
    ours = encode_image(pipeline, photo, tiny_model.device, tiny_model.dtype)
    # Decoding our latent the way FluxPipeline does must give what the VAE alone makes of the photo.
    vae_only = pipeline.vae.decode(pipeline.vae.encode(pipeline.image_processor.preprocess(photo)).latent_dist.mode())
    expected = np.asarray(pipeline.image_processor.postprocess(vae_only.sample.detach(), output_type="pil")[0], int)
    stock = np.asarray(_stock_decode(tiny_model, ours, height, width), int)
    assert np.abs(stock - expected).max() <= 1
    # Our decode of any latent equals FluxPipeline's.
    latent = torch.randn(ours.shape, generator=torch.Generator().manual_seed(2))
    (decoded,) = decode_latents(pipeline, latent, height, width, tiny_model.device)
    assert np.array_equal(np.asarray(decoded), np.asarray(_stock_decode(tiny_model, latent, height, width)))

"""SDEdit on FLUX: where it starts, the sampling it does, and strength 1 as plain generation."""

import pytest
import torch

from core.api.requests import EditRequest
from core.engine import Engine
from core.flux.latents import shared_noise
from core.methods.sdedit import sdedit
from tests.core.methods_reference import HEIGHT, SEQ, WIDTH, close, photo_latent, velocity

TARGET = "a photo of a cat"


@pytest.mark.parametrize("strength", [0.3, 0.75])
def test_update_rule_matches_a_step_by_step_reference(tiny_model, strength):
    _, x_src = photo_latent(tiny_model)
    s = tiny_model.schedule(8, HEIGHT, WIDTH).sigmas
    start = int(8 - 8 * strength)  # diffusers' img2img: the last strength * steps steps run
    e = torch.randn((x_src.shape[1], 64), generator=torch.Generator("cpu").manual_seed(6), dtype=torch.float32)
    x = (1 - s[start]) * x_src + s[start] * e
    for i in range(start, 8):
        x = x + (s[i + 1] - s[i]) * velocity(tiny_model, x, s[i], TARGET, 2.0)
    calls = tiny_model.transformer_calls
    history, _, first = sdedit(tiny_model, x_src, [TARGET], height=HEIGHT, width=WIDTH, seed=6,
                               max_sequence_length=SEQ, steps=8, strength=strength, guidance=2.0)
    assert first == start and 0 < start < 8
    assert tiny_model.transformer_calls - calls == 8 - start
    close(history[-1].float(), x)


@pytest.mark.parametrize(("steps", "strength", "start"), [(28, 0.8, 5), (28, 0.5, 14), (50, 0.75, 12), (4, 1.0, 0)])
def test_strength_is_a_fraction_of_the_steps_like_diffusers_img2img(steps, strength, start):
    from diffusers import FluxImg2ImgPipeline

    from core.methods.sdedit import first_step

    # FluxImg2ImgPipeline.get_timesteps only reads the scheduler's order and timesteps.
    class Scheduler:
        order = 1
        timesteps = list(range(steps))

    probe = type("Probe", (), {"scheduler": Scheduler()})()
    timesteps, remaining = FluxImg2ImgPipeline.get_timesteps(probe, steps, strength, "cpu")
    assert first_step(steps, strength) == start == steps - remaining


def test_strength_one_equals_plain_generation_from_the_same_noise(tiny_model):
    photo, _ = photo_latent(tiny_model)
    result = Engine(tiny_model).run(EditRequest(
        method="sdedit", source_prompt="a photo", target_prompts=(TARGET,), image=photo, seed=3,
        params={"steps": 5, "strength": 1.0, "guidance": 3.5}, max_sequence_length=SEQ))
    tokens, pooled = tiny_model.prompt_encoder.encode_batch([TARGET], SEQ)
    noise = shared_noise(3, tiny_model.image_tokens(HEIGHT, WIDTH), 64, tiny_model.device, tiny_model.dtype)
    stock = tiny_model.pipeline(
        prompt_embeds=tokens, pooled_prompt_embeds=pooled, latents=noise[None], height=HEIGHT, width=WIDTH,
        num_inference_steps=5, guidance_scale=3.5, output_type="latent", max_sequence_length=SEQ,
    ).images
    trajectory = result.trajectories[0]
    assert torch.equal(trajectory.latents[0], noise)
    assert torch.equal(trajectory.latents[-1], stock[0])
    assert trajectory.prompt == TARGET and trajectory.guidance == 3.5


def test_partial_strength_has_no_full_trajectory(tiny_model):
    photo, _ = photo_latent(tiny_model)
    result = Engine(tiny_model).run(EditRequest(method="sdedit", source_prompt="a photo", target_prompts=(TARGET,),
                                                image=photo, params={"steps": 5}, max_sequence_length=SEQ))
    # 0.8 of 5 steps skips int(5 - 4) = 1 step, so no full noise-to-clean trajectory exists
    assert result.trajectories == [None] and result.params == {"steps": 5, "strength": 0.8, "guidance": 3.5}

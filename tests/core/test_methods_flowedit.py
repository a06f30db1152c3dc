"""FlowEdit on FLUX: the update rule, its options, and that an identical prompt leaves the image alone."""

import numpy as np
import pytest
import torch

from core.api.requests import EditRequest
from core.engine import Engine
from core.methods.flowedit import flowedit
from tests.core.methods_reference import HEIGHT, SEQ, WIDTH, close, noise_draws, photo_latent, velocity

SOURCE, TARGET = "a photo of a dog", "a photo of a cat"


def reference_flowedit(model, x_src, seed, steps, n_max, n_min, n_avg, g_src, g_tgt):
    """FlowEdit written out step by step from ALGORITHMS.md section 3."""
    s = model.schedule(steps, HEIGHT, WIDTH).sigmas
    draw = noise_draws(seed, x_src.shape[1])
    z = x_src.clone()
    for i in range(steps):
        if steps - i > n_max:
            continue
        if steps - i > n_min:
            mean_difference = 0
            for _ in range(n_avg):
                zs = (1 - s[i]) * x_src + s[i] * draw()
                zt = z + zs - x_src
                difference = velocity(model, zt, s[i], TARGET, g_tgt) - velocity(model, zs, s[i], SOURCE, g_src)
                mean_difference = mean_difference + difference / n_avg
            z = z + (s[i + 1] - s[i]) * mean_difference
        else:
            if i == steps - n_min:
                x = z + ((1 - s[i]) * x_src + s[i] * draw()) - x_src
            x = x + (s[i + 1] - s[i]) * velocity(model, x, s[i], TARGET, g_tgt)
    return z if n_min == 0 else x


@pytest.mark.parametrize("steps, n_max, n_min, n_avg", [(6, 4, 0, 1), (6, 6, 2, 2), (5, 3, 3, 1)])
def test_update_rule_matches_a_step_by_step_reference(tiny_model, steps, n_max, n_min, n_avg):
    _, x_src = photo_latent(tiny_model)
    ours = flowedit(tiny_model, x_src, SOURCE, [TARGET], height=HEIGHT, width=WIDTH, seed=5,
                    max_sequence_length=SEQ, steps=steps, n_max=n_max, n_min=n_min, n_avg=n_avg,
                    source_guidance=1.5, target_guidance=5.5)
    expected = reference_flowedit(tiny_model, x_src, 5, steps, n_max, n_min, n_avg, 1.5, 5.5)
    close(ours, expected)
    assert not torch.allclose(ours, x_src, atol=1e-2)  # it really edited


def test_skipped_steps_call_no_transformer(tiny_model):
    _, x_src = photo_latent(tiny_model)
    calls = tiny_model.transformer_calls
    flowedit(tiny_model, x_src, SOURCE, [TARGET], height=HEIGHT, width=WIDTH, seed=0, max_sequence_length=SEQ,
             steps=8, n_max=3, n_min=1, n_avg=2)
    assert tiny_model.transformer_calls - calls == 2 * 2 + 1  # two averaged edit steps, one plain target step


def test_identical_prompts_and_guidance_return_the_source_latent_unchanged(tiny_model):
    _, x_src = photo_latent(tiny_model, seed=3)
    ours = flowedit(tiny_model, x_src, SOURCE, [SOURCE], height=HEIGHT, width=WIDTH, seed=1,
                    max_sequence_length=SEQ, steps=6, n_max=6, source_guidance=2.0, target_guidance=2.0)
    assert torch.equal(ours[0], x_src[0])


def test_identical_prompt_on_a_known_trajectory_gives_back_its_image_without_a_vae_round_trip(tiny_model):
    engine = Engine(tiny_model)
    generated = engine.run(EditRequest(method="dual", source_prompt=SOURCE, target_prompts=(TARGET,),
                                       height=HEIGHT, width=WIDTH, params={"steps": 3}, max_sequence_length=SEQ))
    known = generated.trajectories[0]
    result = engine.run(EditRequest(method="flowedit", source_prompt=TARGET, target_prompts=(TARGET,), source=known,
                                    params={"steps": 4, "n_max": 4, "source_guidance": 3.0, "target_guidance": 3.0},
                                    max_sequence_length=SEQ))
    assert np.array_equal(np.asarray(result.images[0]), np.asarray(generated.images[0]))
    assert result.source_trajectory is known and result.trajectories == [None]


def test_several_targets_in_one_run_equal_one_at_a_time(tiny_model):
    _, x_src = photo_latent(tiny_model)
    options = dict(height=HEIGHT, width=WIDTH, seed=2, max_sequence_length=SEQ, steps=5, n_max=4, n_min=1)
    both = flowedit(tiny_model, x_src, SOURCE, [TARGET, "a painting of a dog"], **options)
    close(both[0], flowedit(tiny_model, x_src, SOURCE, [TARGET], **options)[0])
    close(both[1], flowedit(tiny_model, x_src, SOURCE, ["a painting of a dog"], **options)[0])

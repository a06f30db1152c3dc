"""ODE inversion ("dual"): invert with the source prompt, sample with the target prompt; the
inversion is stored, and the result's trajectory can be edited again without inversion."""

import torch

from core.api.requests import EditRequest
from core.engine import Engine
from tests.core.methods_reference import HEIGHT, SEQ, WIDTH, close, photo_latent, velocity
from tests.core.test_engine import DictStore

SOURCE, TARGET = "a photo of a dog", "a photo of a cat"


def _request(photo, **params):
    return EditRequest(method="dual", source_prompt=SOURCE, target_prompts=(TARGET,), image=photo,
                       params={"steps": 5, **params}, max_sequence_length=SEQ)


def test_inversion_then_target_sampling_match_a_step_by_step_reference(tiny_model):
    photo, x_src = photo_latent(tiny_model)
    s = tiny_model.schedule(5, HEIGHT, WIDTH).sigmas
    inverted = [None] * 6
    inverted[5] = z = x_src * 1.1
    for k in range(4, -1, -1):
        z = z + (s[k] - s[k + 1]) * velocity(tiny_model, z, s[k], SOURCE, 1.0)
        inverted[k] = z
    x = z
    sampled = [x]
    for i in range(5):
        x = x + (s[i + 1] - s[i]) * velocity(tiny_model, x, s[i], TARGET, 4.5)
        sampled.append(x)

    result = Engine(tiny_model).run(_request(photo, target_guidance=4.5, nudging=1.1))
    close(result.source_trajectory.latents, torch.cat(inverted))
    edited = result.trajectories[0]
    close(edited.latents, torch.cat(sampled))
    assert (edited.prompt, edited.guidance, edited.num_steps) == (TARGET, 4.5, 5)
    assert torch.equal(edited.sigmas, s)


def test_a_repeated_edit_reuses_the_stored_inversion(tiny_model):
    photo, _ = photo_latent(tiny_model, seed=5)
    store = DictStore()
    engine = Engine(tiny_model, store)
    calls = tiny_model.transformer_calls
    first = engine.run(_request(photo))
    assert tiny_model.transformer_calls - calls == 10 and len(store.entries) == 1
    calls = tiny_model.transformer_calls
    second = engine.run(_request(photo))
    assert tiny_model.transformer_calls - calls == 5
    assert torch.equal(first.trajectories[0].latents, second.trajectories[0].latents)
    engine.run(_request(photo, inversion_guidance=2.0))
    assert len(store.entries) == 2


def test_the_result_trajectory_is_edited_again_without_inversion(tiny_model):
    photo, _ = photo_latent(tiny_model)
    engine = Engine(tiny_model)
    first = engine.run(_request(photo))
    calls = tiny_model.transformer_calls
    again = engine.run(EditRequest(method="stable-flow", source_prompt=TARGET, target_prompts=("a painting of a cat",),
                                   source=first.trajectories[0], max_sequence_length=SEQ))
    assert tiny_model.transformer_calls - calls == 5  # the replayed edit only
    assert again.source_trajectory is first.trajectories[0]


def test_empty_prompt_inversion_inverts_with_the_empty_prompt_and_is_stored_apart(tiny_model):
    photo, x_src = photo_latent(tiny_model, seed=7)
    s = tiny_model.schedule(5, HEIGHT, WIDTH).sigmas
    z = x_src
    for k in range(4, -1, -1):
        z = z + (s[k] - s[k + 1]) * velocity(tiny_model, z, s[k], "", 1.0)
    store = DictStore()
    engine = Engine(tiny_model, store)
    empty = engine.run(_request(photo, inversion_prompt="empty"))
    close(empty.source_trajectory.latents[0], z[0])
    source = engine.run(_request(photo))
    assert len(store.entries) == 2
    assert not torch.equal(empty.trajectories[0].latents[-1], source.trajectories[0].latents[-1])


def test_an_unknown_inversion_prompt_is_refused_in_one_line(tiny_model):
    import pytest

    from core.api.errors import ParameterError

    photo, _ = photo_latent(tiny_model)
    with pytest.raises(ParameterError, match="inversion prompt must be one of source, empty"):
        Engine(tiny_model).run(_request(photo, inversion_prompt="caption"))

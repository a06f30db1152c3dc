"""Real-photo editing: nudging, inversion, pinned source row, any aspect ratio."""

import numpy as np
import pytest
import torch

from core.api.errors import ParameterError
from core.flux.latents import encode_image
from core.methods.stable_flow.editing import edit_from_trajectory, edit_image, generate_edits, invert
from tests.helpers import gradient_photo

SEQ = 24
LAYERS = (0, 1, 3, 5)


def test_inversion_follows_the_recurrence_at_the_destination_level(tiny_model):
    image = gradient_photo(64, 48)
    clean = encode_image(tiny_model.pipeline, image, tiny_model.device, tiny_model.dtype)
    trajectory = invert(tiny_model, clean, "a photo", height=48, width=64, steps=6, nudging=1.15,
                        max_sequence_length=SEQ)
    assert trajectory.latents.shape == (7, tiny_model.image_tokens(48, 64), 64)
    torch.testing.assert_close(trajectory.latents[6], clean[0] * 1.15)
    sigmas = tiny_model.schedule(6, 48, 64).sigmas
    cond = tiny_model.conditioning(["a photo"], [1.0], 48, 64, SEQ)
    tokens, pooled = cond.tokens, cond.pooled
    for k in (5, 2, 0):
        # v(z_{k+1}, s_k): evaluated by calling the stock transformer directly
        v = tiny_model.pipeline.transformer(
            hidden_states=trajectory.latents[k + 1][None], timestep=torch.tensor([sigmas[k].item()]),
            guidance=torch.tensor([1.0]), pooled_projections=pooled, encoder_hidden_states=tokens,
            txt_ids=cond.text_ids, img_ids=cond.image_ids, return_dict=False)[0]
        expected = trajectory.latents[k + 1] + (sigmas[k] - sigmas[k + 1]) * v[0]
        torch.testing.assert_close(trajectory.latents[k], expected, rtol=1e-4, atol=1e-5)


def test_source_row_is_pinned_to_the_inversion_trajectory(tiny_model):
    output = edit_image(tiny_model, gradient_photo(64, 64), ["a photo", "a photo of a red car"],
                        vital_layers=LAYERS, steps=5, max_sequence_length=SEQ)
    assert torch.equal(output.trajectories[0].latents, output.source_trajectory.latents)
    assert torch.equal(output.trajectories[1].latents[0], output.source_trajectory.latents[0])
    assert not torch.equal(output.trajectories[1].latents[-1], output.source_trajectory.latents[-1])


def test_inversion_then_editing_with_the_source_prompt_is_deterministic(tiny_model):
    def run():
        return edit_image(tiny_model, gradient_photo(64, 64, seed=2), ["a photo of a dog", "a photo of a dog"],
                          vital_layers=LAYERS, steps=6, max_sequence_length=SEQ)

    first, second = run(), run()
    for a, b in zip(first.trajectories, second.trajectories):
        assert torch.equal(a.latents, b.latents)
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(first.images, second.images))


@pytest.mark.parametrize("size", [(96, 64), (48, 112)])
def test_real_image_editing_at_non_square_sizes(tiny_model, size):
    width, height = size
    output = edit_image(tiny_model, gradient_photo(width, height), ["a photo", "a photo at night", "a painting"],
                        vital_layers=LAYERS, steps=4, max_sequence_length=SEQ)
    assert [image.size for image in output.images] == [size] * 3
    assert output.trajectories[2].latents.shape == (5, tiny_model.image_tokens(height, width), 64)


def test_known_inversion_is_reused_without_transformer_calls(tiny_model):
    image = gradient_photo(64, 64, seed=4)
    first = edit_image(tiny_model, image, ["a photo", "a photo of a cat"], vital_layers=LAYERS, steps=5,
                       max_sequence_length=SEQ)
    calls = tiny_model.transformer_calls
    second = edit_image(tiny_model, image, ["a photo", "a photo of a cat"], vital_layers=LAYERS, steps=5,
                        max_sequence_length=SEQ, inverted=first.source_trajectory)
    assert tiny_model.transformer_calls - calls == 5  # editing only, no inversion
    assert torch.equal(first.trajectories[1].latents, second.trajectories[1].latents)


def test_replaying_a_generated_trajectory_equals_editing_in_the_same_batch(tiny_model):
    prompts = ["a photo of a dog", "a photo of a dog wearing a hat"]
    joint = generate_edits(tiny_model, prompts, height=64, width=64, seed=9, vital_layers=LAYERS, steps=4,
                           max_sequence_length=SEQ)
    replay = edit_from_trajectory(tiny_model, joint.trajectories[0], prompts[1:], vital_layers=LAYERS,
                                  edit_guidance=3.5, max_sequence_length=SEQ)
    torch.testing.assert_close(replay.trajectories[1].latents, joint.trajectories[1].latents, rtol=1e-4, atol=1e-5)


def test_trajectory_from_another_schedule_is_refused(tiny_model):
    generated = generate_edits(tiny_model, ["a dog", "a cat"], height=64, width=64, seed=1, vital_layers=LAYERS,
                               steps=3, max_sequence_length=SEQ)
    tampered = generated.trajectories[0]
    from dataclasses import replace

    with pytest.raises(ParameterError, match="another schedule"):
        edit_from_trajectory(tiny_model, replace(tampered, sigmas=tampered.sigmas * 0.9), ["a bird"],
                             vital_layers=LAYERS, max_sequence_length=SEQ)

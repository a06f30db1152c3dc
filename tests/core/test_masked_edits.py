"""Masked edits in the engine (ALGORITHMS.md section 5), for every method, on the tiny model."""

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from core.api.errors import ParameterError
from core.api.progress import JobControl
from core.api.requests import EditRequest
from core.engine import Engine
from core.flux.latent_mask import LatentBlend, token_mask
from core.flux.masks import feather, mask_array
from core.methods.registry import METHODS
from tests.core.methods_reference import HEIGHT, SEQ, WIDTH, photo_latent

SOURCE, TARGET = "a photo of a dog", "a photo of a red car"
# The clean end each method's edit rows are pinned to outside the mask (the photo's latent,
# nudged by Stable Flow's default 1.15).
CLEAN_END_SCALE = {"stable-flow": 1.15}


def right_quarter_mask(feathered: bool = True) -> np.ndarray:
    """1 on the right quarter of the 64x48 test photo (one token column), feathered by 2 pixels."""
    mask = Image.new("L", (WIDTH, HEIGHT), 0)
    ImageDraw.Draw(mask).rectangle((3 * WIDTH // 4, 0, WIDTH - 1, HEIGHT - 1), fill=255)
    return mask_array(feather(mask, 2) if feathered else mask)


def request(method, photo, mask=None, **params):
    return EditRequest(method=method, source_prompt=SOURCE, target_prompts=(TARGET,), image=photo, seed=5,
                       params={"steps": 3, **params}, max_sequence_length=SEQ, mask=mask)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_pixels_outside_the_mask_are_the_photos_and_latents_outside_are_the_sources(tiny_model, method):
    photo, latent = photo_latent(tiny_model)
    mask = right_quarter_mask()
    steps = []
    control = JobControl(on_progress=lambda event: steps.append(event.latents) if event.phase == "edit" else None)
    result = Engine(tiny_model).run(request(method, photo, mask), control)
    edited, original = np.asarray(result.images[0]), np.asarray(photo)
    outside = mask == 0
    assert outside.any() and np.array_equal(edited[outside], original[outside])
    assert not np.array_equal(edited[mask == 1], original[mask == 1])  # the edit did change the masked part
    # Latent blending: after the last step the edit rows equal the source's clean end outside
    # the (patch-averaged, dilated) token mask, so the seam was generated, not pasted.
    keep_tokens = token_mask(mask, 16)[:, 0] == 0
    assert keep_tokens.any()
    last = steps[-1]
    edit_rows = last[1:] if method == "stable-flow" else last
    expected = latent[0] * CLEAN_END_SCALE.get(method, 1.0)
    torch.testing.assert_close(edit_rows[0, keep_tokens].float(), expected[keep_tokens], rtol=1e-5, atol=1e-5)
    assert not torch.allclose(edit_rows[0, ~keep_tokens].float(), expected[~keep_tokens])


def test_stable_flow_blends_with_the_pinned_trajectory_after_every_step(tiny_model):
    photo, _ = photo_latent(tiny_model)
    mask = right_quarter_mask()
    result = Engine(tiny_model).run(request("stable-flow", photo, mask))
    keep_tokens = token_mask(mask, 16)[:, 0] == 0
    edit, source = result.trajectories[0].latents, result.source_trajectory.latents
    assert torch.equal(edit[1:, keep_tokens], source[1:, keep_tokens])
    assert torch.equal(edit[0], source[0])  # every row starts at the inverted noise


@pytest.mark.parametrize("method", sorted(METHODS))
def test_a_full_mask_gives_the_unmasked_edit_exactly(tiny_model, method):
    photo, _ = photo_latent(tiny_model, seed=1)
    engine = Engine(tiny_model)
    plain = engine.run(request(method, photo))
    full = engine.run(request(method, photo, np.ones((HEIGHT, WIDTH), np.float32)))
    assert plain.images[0].tobytes() == full.images[0].tobytes()


def test_flowedit_tail_steps_are_blended_too(tiny_model):
    photo, latent = photo_latent(tiny_model, seed=2)
    mask = right_quarter_mask(feathered=False)
    samples = []
    control = JobControl(on_progress=lambda event: samples.append(event.latents) if event.phase == "sample" else None)
    Engine(tiny_model).run(request("flowedit", photo, mask, steps=4, n_max=4, n_min=2), control)
    keep_tokens = token_mask(mask, 16)[:, 0] == 0
    torch.testing.assert_close(samples[-1][0, keep_tokens].float(), latent[0, keep_tokens], rtol=1e-5, atol=1e-5)


def test_a_masked_re_edit_keeps_the_given_pixels(tiny_model):
    """Re-editing a result from its trajectory keeps that result's own pixels, not a decoded copy."""
    photo, _ = photo_latent(tiny_model, seed=3)
    engine = Engine(tiny_model)
    first = engine.run(request("stable-flow", photo))
    mask = right_quarter_mask()
    again = engine.run(EditRequest(method="stable-flow", source_prompt=TARGET, target_prompts=("a blue boat",),
                                   source=first.trajectories[0], keep=first.images[0], max_sequence_length=SEQ,
                                   mask=mask))
    outside = mask == 0
    assert np.array_equal(np.asarray(again.images[0])[outside], np.asarray(first.images[0])[outside])


def test_token_mask_averages_each_patch_then_dilates_one_token():
    mask = np.zeros((64, 64), np.float32)
    mask[0:16, 0:8] = 1.0  # half of token (0, 0)
    grid = token_mask(mask, 16).reshape(4, 4)
    assert grid[0, 0] == 0.5 and grid[0, 1] == 0.5 and grid[1, 1] == 0.5  # dilated neighbours
    assert grid[2, 2] == 0 and grid[0, 2] == 0


def test_latent_blend_is_a_no_op_without_a_mask_or_with_a_full_one():
    rows, ref = torch.randn(2, 16, 4), torch.randn(1, 16, 4)
    assert LatentBlend(None, 16)(rows, ref) is rows
    assert LatentBlend(np.ones((64, 64), np.float32), 16)(rows, ref) is rows
    zero = LatentBlend(np.zeros((64, 64), np.float32), 16)(rows, ref)
    assert torch.equal(zero, ref.expand(2, -1, -1))


@pytest.mark.parametrize("mask, message", [
    (np.ones((10, 10), np.float32), "the mask is 10x10 but the image is 64x48"),
    (np.zeros((HEIGHT, WIDTH), np.float32), "the mask is empty"),
    (np.full((HEIGHT, WIDTH), np.nan, np.float32), "between 0 (keep) and 1 (edit)"),
    (np.full((HEIGHT, WIDTH), 2.0, np.float32), "between 0 (keep) and 1 (edit)"),
    (np.ones((HEIGHT, WIDTH, 3), np.float32), "two-dimensional"),
])
def test_a_bad_mask_is_refused_with_one_line(tiny_model, mask, message):
    photo, _ = photo_latent(tiny_model)
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Engine(tiny_model).validate(request("sdedit", photo, mask))


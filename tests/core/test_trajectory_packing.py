"""Trajectories of the demo model (a 4x VAE: 8x8 pixels a packed token) are kept in projects and the
inversion cache like FLUX's (16x16 pixels a token); replayed on a model they do not fit, the edit
is refused in one line instead of failing deep in the transformer."""

import pytest
import torch

from core.api.errors import ParameterError
from core.api.requests import EditRequest
from core.api.trajectory import Trajectory
from core.engine import Engine
from core.storage.trajectory_files import trajectory_from_bytes, trajectory_to_bytes


def _trajectory(tokens: int, size: int = 64, steps: int = 3) -> Trajectory:
    sigmas = torch.linspace(1.0, 0.0, steps + 1)
    return Trajectory(torch.randn(steps + 1, tokens, 64), sigmas, size, size, "a red circle", 1.0)


@pytest.mark.parametrize("tokens", [64, 16], ids=["demo packing", "FLUX packing"])
def test_a_64px_trajectory_of_either_packing_survives_a_file(tokens):
    trajectory = _trajectory(tokens)
    again = trajectory_from_bytes(trajectory_to_bytes(trajectory), image_size=(64, 64))
    assert torch.equal(again.latents, trajectory.latents)


@pytest.mark.parametrize("tokens", [32, 256])
def test_a_token_count_no_packing_gives_is_still_refused(tokens):
    with pytest.raises(ValueError, match="do not fit a 64x64 image"):
        trajectory_from_bytes(trajectory_to_bytes(_trajectory(tokens)))


@pytest.mark.parametrize("method", ["stable-flow", "flowedit", "flowalign", "sdedit", "dual"])
def test_replaying_a_trajectory_on_a_model_it_does_not_fit_is_one_clear_line(tiny_model, method):
    request = EditRequest(method=method, source_prompt="a red circle", target_prompts=("a blue circle",),
                          source=_trajectory(64), max_sequence_length=16)  # the demo model's 64 tokens for 64x64
    with pytest.raises(ParameterError) as error:
        Engine(tiny_model).run(request)  # tiny-random packs FLUX's 16-pixel tokens: 16 for 64x64
    assert "another model" in str(error.value) and "\n" not in str(error.value)

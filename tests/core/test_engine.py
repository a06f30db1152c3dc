"""The engine interface: requests, validation and the inversion store hook."""

import pytest
import torch

from core.api.errors import ParameterError
from core.api.requests import EditRequest
from core.engine import Engine
from tests.helpers import gradient_photo


class DictStore:
    def __init__(self):
        self.entries = {}

    def get(self, key, expected=None):
        trajectory = self.entries.get(key)
        return None if trajectory is None or (expected and expected.mismatch(trajectory)) else trajectory

    def put(self, key, trajectory):
        self.entries[key] = trajectory


def _photo_request(**overrides):
    fields = dict(method="stable-flow", source_prompt="a photo", target_prompts=("a photo of a cat",),
                  image=gradient_photo(64, 48), params={"steps": 4}, max_sequence_length=16)
    fields.update(overrides)
    return EditRequest(**fields)


def test_second_edit_of_the_same_photo_reuses_the_stored_inversion(tiny_model):
    store = DictStore()
    engine = Engine(tiny_model, store)
    calls = tiny_model.transformer_calls
    first = engine.run(_photo_request())
    assert tiny_model.transformer_calls - calls == 8  # 4 inversion + 4 edit steps
    assert len(store.entries) == 1
    calls = tiny_model.transformer_calls
    second = engine.run(_photo_request())
    assert tiny_model.transformer_calls - calls == 4  # edit steps only
    assert torch.equal(first.trajectories[0].latents, second.trajectories[0].latents)
    engine.run(_photo_request(source_prompt="another description"))
    assert len(store.entries) == 2


def test_generated_request_returns_source_and_edits(tiny_model):
    result = Engine(tiny_model).run(EditRequest(
        method="stable-flow", source_prompt="a dog", target_prompts=("a cat", "a bird"), height=48, width=64,
        params={"steps": 3}, max_sequence_length=16))
    assert len(result.images) == 2 and result.source_image.size == (64, 48)
    assert result.params == {"steps": 3, "guidance": 3.5}
    assert result.source_trajectory.num_steps == 3


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"target_prompts": ()}, "at least one edit prompt"),
        ({"source_prompt": ""}, "source prompt is empty"),
        ({"method": "magic"}, "unknown editing method 'magic'"),
        ({"params": {"steps": 0}}, "steps must be a whole number from 1 to 1000"),
        ({"params": {"guidance": -2.0}}, "guidance must not be negative"),
        ({"params": {"strength": 0.5}}, "has no parameter 'strength'"),
        ({"vital_layers": (0, 6)}, "valid indices are 0 to 5"),
        ({"image": gradient_photo(64, 72)}, "the photo's working height must be a multiple of 16"),
        ({"image": None, "height": 72}, "the height must be a multiple of 16 from 16 to 4096"),
        ({"image": None, "width": 100000}, "the width must be a multiple of 16 from 16 to 4096"),
        ({"seed": 2**64}, "the seed must be a whole number from 0 to 18446744073709551615"),
        ({"seed": 1.5}, "the seed must be a whole number"),
        ({"params": {"steps": 1000000}}, "steps must be a whole number from 1 to 1000"),
        ({"params": {"guidance": float("nan")}}, "guidance must be a finite number"),
        ({"params": {"nudging": float("inf")}}, "nudging must be a finite number"),
        ({"params": {"nudging": "1.15"}}, "nudging must be a finite number"),
        ({"max_sequence_length": 513}, "max sequence length must be between 1 and 512"),
    ],
)
def test_bad_requests_are_refused_with_one_line(tiny_model, overrides, message):
    with pytest.raises(ParameterError, match=message):
        Engine(tiny_model).run(_photo_request(**overrides))

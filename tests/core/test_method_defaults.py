"""Every method's resolved defaults and the guidance each batch row gets, against ALGORITHMS.md.

The expected numbers are written out here from the spec, not imported from the code, so a
changed constant fails.
"""

import pytest
import torch

from core.api.requests import EditRequest
from core.api.trajectory import Trajectory
from core.engine import Engine, validate_request
from core.model.flux_model import FluxModel
from tests.helpers import gradient_photo

PHOTO = {"image": gradient_photo(64, 48)}
KNOWN = {"source": Trajectory(torch.zeros(8, 12, 64), torch.linspace(1, 0, 8), 48, 64, "a photo", 1.0)}
EXPECTED = [
    # ALGORITHMS.md 1.2: generated edits, 15 steps, guidance 3.5 for every row.
    ("stable-flow", {}, {"steps": 15, "guidance": 3.5}),
    # 1.3: photos, 50 steps, nudging 1.15, edit rows at guidance 3 (the inversion at 1).
    ("stable-flow", PHOTO, {"steps": 50, "guidance": 3.0, "nudging": 1.15}),
    # A known trajectory: its own step count.
    ("stable-flow", KNOWN, {"steps": 7, "guidance": 3.0, "nudging": 1.15}),
    # Section 3: FlowEdit's FLUX defaults.
    ("flowedit", PHOTO, {"steps": 28, "n_max": 24, "n_min": 0, "n_avg": 1, "source_guidance": 1.5,
                         "target_guidance": 5.5}),
    ("flowalign", PHOTO, {"steps": 28, "zeta": 0.01, "source_guidance": 1.0, "target_guidance": 5.5,
                          "true_cfg": None}),
    ("sdedit", PHOTO, {"steps": 28, "strength": 0.8, "guidance": 3.5}),
    # ODE inversion: no nudging, inversion guidance 1, FLUX's target guidance.
    ("dual", PHOTO, {"steps": 28, "inversion_guidance": 1.0, "target_guidance": 3.5, "nudging": 1.0,
              "inversion_prompt": "source"}),
]


@pytest.mark.parametrize("method, start, expected", EXPECTED, ids=[f"{m}-{sorted(s) or 'generated'}"
                                                                  for m, s, _ in EXPECTED])
def test_resolved_defaults_follow_the_spec(method, start, expected):
    request = EditRequest(method=method, source_prompt="a photo", target_prompts=("a cat",), **start)
    assert validate_request(request) == expected


def test_request_defaults_follow_the_spec():
    request = EditRequest(method="stable-flow", source_prompt="a dog", target_prompts=("a cat",))
    assert (request.height, request.width, request.seed, request.max_sequence_length) == (1024, 1024, 42, 512)


def _guidance_per_call(monkeypatch, tiny_model, request) -> list[tuple[list[str], list[float]]]:
    calls = []
    real = FluxModel.conditioning

    def recording(self, prompts, guidance, *args, **kwargs):
        calls.append((list(prompts), [float(g) for g in guidance]))
        return real(self, prompts, guidance, *args, **kwargs)

    monkeypatch.setattr(FluxModel, "conditioning", recording)
    Engine(tiny_model).run(request)
    return calls


def test_a_photo_edit_inverts_at_1_and_edits_with_row_0_at_1_and_the_edit_rows_at_3(monkeypatch, tiny_model):
    request = EditRequest(method="stable-flow", source_prompt="a photo", target_prompts=("a cat", "a dog"),
                          params={"steps": 2}, max_sequence_length=16, **PHOTO)
    inversion, edit = _guidance_per_call(monkeypatch, tiny_model, request)
    assert inversion == (["a photo"], [1.0])
    assert edit == (["a photo", "a cat", "a dog"], [1.0, 3.0, 3.0])


def test_a_generated_edit_uses_3_5_for_every_row(monkeypatch, tiny_model):
    request = EditRequest(method="stable-flow", source_prompt="a dog", target_prompts=("a cat",), height=32,
                          width=32, params={"steps": 2}, max_sequence_length=16)
    (edit,) = _guidance_per_call(monkeypatch, tiny_model, request)
    assert edit == (["a dog", "a cat"], [3.5, 3.5])


def test_a_given_edit_guidance_leaves_row_0_at_the_source_guidance(monkeypatch, tiny_model):
    request = EditRequest(method="stable-flow", source_prompt="a photo", target_prompts=("a cat",),
                          params={"steps": 2, "guidance": 5.0}, max_sequence_length=16, **PHOTO)
    inversion, edit = _guidance_per_call(monkeypatch, tiny_model, request)
    assert inversion[1] == [1.0] and edit[1] == [1.0, 5.0]

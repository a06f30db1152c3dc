"""The user's vital-layer registry drives the layers the engine injects; an explicit list still wins."""

import numpy as np
import pytest

from core.api.errors import ParameterError
from core.api.requests import EditRequest
from core.engine import Engine
from core.model.vital_layers import BlockLayout, shipped_vital_layers, vital_layers_for
from core.model.vital_registry import register_vital_layers, registered_set, registry_path

TINY = BlockLayout(2, 4)


def _edit_pixels(model, vital_layers=None):
    request = EditRequest(
        method="stable-flow", source_prompt="a photo of a dog", target_prompts=("a photo of a cat",), height=48,
        width=48, seed=1, params={"steps": 3}, max_sequence_length=16, vital_layers=vital_layers,
    )
    result = Engine(model).run(request)
    return np.asarray(result.images[0], dtype=np.int16)


def test_lookup_order_is_explicit_then_registry_then_shipped():
    shipped = shipped_vital_layers("tiny-random", TINY)
    assert vital_layers_for("tiny-random", TINY) == shipped
    entry = register_vital_layers("tiny-random", [5, 2, 2], 2, 4, "/results/tiny.json")
    assert entry.layers == (2, 5)
    assert registered_set("tiny-random").source == "/results/tiny.json"
    assert vital_layers_for("tiny-random", TINY) == (2, 5)
    assert vital_layers_for("tiny-random", TINY, "0,1") == (0, 1)
    assert vital_layers_for("black-forest-labs/FLUX.1-dev", BlockLayout(19, 38)) == (0, 1, 17, 18, 25, 28, 53, 54, 56)
    register_vital_layers("tiny-random", [4], 2, 4, "/results/again.json")  # a later result replaces the earlier
    assert vital_layers_for("tiny-random", TINY) == (4,)


def test_a_registered_result_changes_the_layers_the_editor_uses(tiny_model):
    shipped = _edit_pixels(tiny_model)
    register_vital_layers("tiny-random", [2], 2, 4, "detection.json")
    registered = _edit_pixels(tiny_model)
    assert np.array_equal(registered, _edit_pixels(tiny_model, vital_layers=(2,)))
    assert np.abs(registered - shipped).max() > 0
    assert np.array_equal(_edit_pixels(tiny_model, vital_layers=(0, 1, 3, 5)), shipped)  # explicit still wins


def test_registry_problems_are_one_clear_line():
    register_vital_layers("someone/flux-finetune", [0, 1, 20], 19, 38, "r.json")
    with pytest.raises(ParameterError, match="found for 19 double \\+ 38 single blocks but it now has 2 \\+ 4"):
        vital_layers_for("someone/flux-finetune", TINY)
    with pytest.raises(ParameterError, match="chosen set is empty"):
        register_vital_layers("tiny-random", [], 2, 4, "r.json")
    with pytest.raises(ParameterError, match="out of range"):
        register_vital_layers("tiny-random", [6], 2, 4, "r.json")
    registry_path().write_text("{ not json", encoding="utf-8")
    with pytest.raises(ParameterError, match="registry .* is damaged: delete it"):
        vital_layers_for("tiny-random", TINY)

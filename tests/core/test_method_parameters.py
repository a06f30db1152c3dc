"""The torch-free table of each method's parameters (what the command line offers) is each method's own."""

from PIL import Image

from core.api.requests import EditRequest
from core.methods.registry import METHODS
from core.rules.method_defaults import METHOD_PARAMETERS


def test_the_table_lists_exactly_the_parameters_each_method_takes_for_a_photo():
    photo = Image.new("RGB", (64, 64))
    assert set(METHOD_PARAMETERS) == set(METHODS)
    for name, method in METHODS.items():
        request = EditRequest(method=name, source_prompt="a photo", target_prompts=("a cat",), image=photo)
        assert sorted(METHOD_PARAMETERS[name]) == sorted(method.defaults(request)), name

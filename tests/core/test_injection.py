"""Vital-layer injection: exactly the edit rows change, exactly at the chosen layers."""

import pytest
import torch

from core.api.errors import ParameterError
from core.flux.latents import shared_noise
from core.methods.stable_flow.injection import InjectionController, vital_layer_injection
from core.model.vital_layers import (
    BlockLayout, parse_vital_layers, shipped_vital_layers, validate_vital_layers, vital_layers_for,
)

SIZE = 64
SEQ = 24
PROMPTS = ["a photo of a dog", "a photo of a cat", "a painting of a horse"]


def _inputs(model, seed=5):
    cond = model.conditioning(PROMPTS, [3.5] * 3, SIZE, SIZE, SEQ)
    schedule = model.schedule(4, SIZE, SIZE)
    tokens = model.image_tokens(SIZE, SIZE)
    rows = [shared_noise(seed + r, tokens, model.latent_channels, model.device, model.dtype) for r in range(3)]
    return torch.stack(rows), schedule, cond


def _attention_modules(transformer):
    double = [(i, b.attn, False) for i, b in enumerate(transformer.transformer_blocks)]
    single = [(len(double) + i, b.attn, True) for i, b in enumerate(transformer.single_transformer_blocks)]
    return double + single


def _reference_with_projection_hooks(model, latents, schedule, cond, layers):
    """An independent implementation: overwrite the K/V projection outputs with row 0's image part."""
    handles = []
    text_len = cond.text_len
    for index, attn, single in _attention_modules(model.pipeline.transformer):
        if index not in layers:
            continue
        start = text_len if single else 0

        def copy_row0(_module, _inputs, output, start=start):
            output = output.clone()
            output[1:, start:] = output[:1, start:]
            return output

        handles += [attn.to_k.register_forward_hook(copy_row0), attn.to_v.register_forward_hook(copy_row0)]
    try:
        return model.velocity(latents, schedule, 1, cond)
    finally:
        for handle in handles:
            handle.remove()


def _injected(model, latents, schedule, cond, layers):
    controller = InjectionController()
    controller.text_len = cond.text_len
    with vital_layer_injection(model.pipeline.transformer, layers, controller):
        return model.velocity(latents, schedule, 1, cond)


@pytest.mark.parametrize("layers", [(0,), (3,), (0, 1, 3, 5), (1, 2, 4)])
def test_injection_equals_copying_row0_image_keys_values(tiny_model, layers):
    latents, schedule, cond = _inputs(tiny_model)
    ours = _injected(tiny_model, latents, schedule, cond, layers)
    reference = _reference_with_projection_hooks(tiny_model, latents, schedule, cond, layers)
    torch.testing.assert_close(ours, reference, rtol=1e-5, atol=1e-6)


def test_injection_leaves_source_row_and_changes_every_edit_row(tiny_model):
    latents, schedule, cond = _inputs(tiny_model)
    plain = tiny_model.velocity(latents, schedule, 1, cond)
    injected = _injected(tiny_model, latents, schedule, cond, (0, 3))
    assert torch.equal(injected[0], plain[0])
    for row in (1, 2):
        assert not torch.allclose(injected[row], plain[row], atol=1e-4)


def test_blocks_before_the_first_vital_layer_are_untouched(tiny_model):
    latents, schedule, cond = _inputs(tiny_model)
    transformer = tiny_model.pipeline.transformer
    blocks = list(transformer.transformer_blocks) + list(transformer.single_transformer_blocks)

    def record(outputs):
        handles = [b.register_forward_hook(lambda m, i, o, k=k: outputs.__setitem__(k, o[1].clone()))
                   for k, b in enumerate(blocks)]
        return handles

    plain, injected = {}, {}
    handles = record(plain)
    tiny_model.velocity(latents, schedule, 1, cond)
    for h in handles:
        h.remove()
    handles = record(injected)
    _injected(tiny_model, latents, schedule, cond, (3,))
    for h in handles:
        h.remove()
    for k in range(3):
        assert torch.equal(plain[k], injected[k]), f"block {k} changed before vital layer 3"
    assert not torch.allclose(plain[3][1:], injected[3][1:], atol=1e-5)
    assert torch.equal(plain[3][0], injected[3][0])


def test_processors_are_restored_after_a_run(tiny_model):
    transformer = tiny_model.pipeline.transformer
    before = {name: type(p) for name, p in transformer.attn_processors.items()}
    with pytest.raises(RuntimeError):
        with vital_layer_injection(transformer, (0, 4), InjectionController()):
            raise RuntimeError("job failed")
    assert {name: type(p) for name, p in transformer.attn_processors.items()} == before


def test_vital_layer_parsing_and_range_checks():
    layout = BlockLayout(19, 38)
    assert parse_vital_layers(" 0, 1,17 ") == [0, 1, 17]
    assert parse_vital_layers("") == []
    assert validate_vital_layers([56, 0, 0], layout) == (0, 56)
    with pytest.raises(ParameterError, match="valid indices are 0 to 56"):
        validate_vital_layers([57], layout)
    with pytest.raises(ParameterError, match="'x' is not"):
        parse_vital_layers("1,x")
    assert layout.split((0, 1, 17, 18, 25, 28, 53, 54, 56)) == ([0, 1, 17, 18], [6, 9, 34, 35, 37])


def test_shipped_sets_cover_flux_dev_and_same_layout_models():
    layout = BlockLayout(19, 38)
    paper = (0, 1, 17, 18, 25, 28, 53, 54, 56)
    assert shipped_vital_layers("black-forest-labs/FLUX.1-dev", layout) == paper
    assert shipped_vital_layers("black-forest-labs/FLUX.1-schnell", layout) == paper
    assert vital_layers_for("black-forest-labs/FLUX.1-dev", layout, "2,3") == (2, 3)
    with pytest.raises(ParameterError, match="detect-vital-layers"):
        vital_layers_for("someone/odd-flux", BlockLayout(3, 3))

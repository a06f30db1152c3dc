"""Bypassing a block: exactly a transformer without that block, and the block's compute is skipped."""

import copy

import pytest
import torch

from core.api.errors import ParameterError
from core.model.flux_model import FluxModel
from core.vital.bypass import bypassed_block

HEIGHT = WIDTH = 48


def _inputs(model: FluxModel):
    cond = model.conditioning(["a red apple on a table", "a dog in a park"], [3.5, 2.0], HEIGHT, WIDTH, 16)
    schedule = model.schedule(4, HEIGHT, WIDTH)
    generator = torch.Generator().manual_seed(3)
    latents = torch.randn(2, model.image_tokens(HEIGHT, WIDTH), model.latent_channels, generator=generator)
    return latents, schedule, cond


def _without_block(model: FluxModel, layer: int) -> FluxModel:
    """A copy of the model (same weights) whose transformer lacks global block ``layer``."""
    pipeline = copy.deepcopy(model.pipeline)
    transformer = pipeline.transformer
    num_double = len(transformer.transformer_blocks)
    if layer < num_double:
        del transformer.transformer_blocks[layer]
    else:
        del transformer.single_transformer_blocks[layer - num_double]
    return FluxModel(pipeline=pipeline, model_id="stripped", device=model.device, dtype=model.dtype)


@pytest.mark.parametrize("layer", range(6))
def test_bypassed_block_gives_exactly_the_transformer_without_it(tiny_model, layer):
    latents, schedule, cond = _inputs(tiny_model)
    expected = _without_block(tiny_model, layer).velocity(latents, schedule, 1, cond)
    with bypassed_block(tiny_model.pipeline.transformer, layer):
        bypassed = tiny_model.velocity(latents, schedule, 1, cond)
    full = tiny_model.velocity(latents, schedule, 1, cond)
    assert torch.equal(bypassed, expected)
    assert not torch.allclose(full, bypassed, atol=1e-4)  # the block mattered, and it is back


def test_bypass_skips_the_block_and_puts_it_back_even_after_an_error(tiny_model):
    latents, schedule, cond = _inputs(tiny_model)
    transformer = tiny_model.pipeline.transformer
    block = transformer.single_transformer_blocks[1]  # global layer 3
    calls = []
    handle = block.register_forward_hook(lambda *args: calls.append(1))
    try:
        with bypassed_block(transformer, 3):
            tiny_model.velocity(latents, schedule, 0, cond)
        assert calls == []
        with pytest.raises(RuntimeError):
            with bypassed_block(transformer, 3):
                raise RuntimeError("interrupted")
        assert transformer.single_transformer_blocks[1] is block
        tiny_model.velocity(latents, schedule, 0, cond)
        assert calls == [1]
    finally:
        handle.remove()
    with pytest.raises(ParameterError, match="0 to 5"):
        with bypassed_block(transformer, 6):
            pass

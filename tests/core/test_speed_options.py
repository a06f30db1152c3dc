"""Speed options change speed, not results; the full-size random model has FLUX.1-dev's shape."""

import pytest
import torch

from core.api.errors import ParameterError
from core.methods.stable_flow.editing import generate_edits
from core.model.speed_options import apply_speed_options, parse_speed_config
from core.model.tiny_flux import FLUX_DEV_SIZE, build_random_flux_pipeline


def _edit(model):
    return generate_edits(model, ["a dog", "a cat"], height=64, width=64, seed=1, vital_layers=(0, 1, 3, 5), steps=3,
                          max_sequence_length=16).trajectories[1].latents


def test_fused_qkv_gives_the_same_edit_and_can_be_undone(tiny_model):
    reference = _edit(tiny_model)
    try:
        apply_speed_options(tiny_model, "fused-qkv")
        assert tiny_model.pipeline.transformer.transformer_blocks[0].attn.fused_projections
        torch.testing.assert_close(_edit(tiny_model), reference, rtol=0, atol=1e-6)
    finally:
        apply_speed_options(tiny_model, "eager")
    assert not tiny_model.pipeline.transformer.transformer_blocks[0].attn.fused_projections
    assert torch.equal(_edit(tiny_model), reference)


def test_speed_config_parsing():
    assert parse_speed_config("fused-qkv+attn=native") == ["fused-qkv", "attn=native"]
    assert parse_speed_config("") == ["eager"]
    with pytest.raises(ParameterError, match="unknown speed option"):
        parse_speed_config("fast")


def test_flux_dev_random_has_the_full_flux_dev_architecture():
    pipeline = build_random_flux_pipeline(FLUX_DEV_SIZE, device="meta", dtype=torch.bfloat16)
    transformer = pipeline.transformer
    assert (len(transformer.transformer_blocks), len(transformer.single_transformer_blocks)) == (19, 38)
    assert sum(p.numel() for p in transformer.parameters()) == 11_901_408_320
    assert transformer.config.joint_attention_dim == 4096 and transformer.config.pooled_projection_dim == 768
    assert pipeline.vae_scale_factor == 8


def test_user_choices_compose_a_configuration():
    from core.model.speed_options import speed_config

    assert speed_config() == "eager"
    assert speed_config(True) == "compile"
    assert speed_config(False, "flash") == "attn=flash"
    assert parse_speed_config(speed_config(True, "_native_cudnn")) == ["attn=_native_cudnn", "compile"]


def test_the_compile_watch_announces_each_new_input_shape_once():
    from core.model.speed_options import CompileWatch

    layer = torch.nn.Linear(4, 4)
    watch = CompileWatch()
    layer.register_forward_pre_hook(watch.before, with_kwargs=True)
    layer.register_forward_hook(watch.after, with_kwargs=True)
    events = []
    watch.listener = events.append
    for rows in (1, 1, 2, 1, 2):
        layer(input=torch.zeros(rows, 4))
    assert events == [True, False, True, False]  # rows=1 then rows=2, each once

"""Memory options: FP8 weights, group offload, and the peak-memory estimates the settings show."""

import numpy as np
import pytest
import torch

from core.api.errors import ParameterError
from core.methods.stable_flow.editing import generate_edits
from core.model.devices import PLACED_MODES, MemoryMode
from core.model.fp8_weights import FP8_STORAGE
from core.model.loading import ModelSpec, load_model
from core.model.memory_estimate import estimate_peak_gb, memory_table

LAYERS = (0, 1, 3, 5)


def _edit(model):
    return generate_edits(model, ["a dog", "a cat"], height=64, width=64, seed=4, vital_layers=LAYERS, steps=4,
                          max_sequence_length=16)


def test_fp8_weights_halve_transformer_block_memory_and_stay_close_to_bf16():
    bf16 = load_model(ModelSpec(model="tiny-random", device="cpu", dtype="bfloat16"))
    fp8 = load_model(ModelSpec(model="tiny-random", device="cpu", dtype="bfloat16", weights="fp8"))
    transformer = fp8.pipeline.transformer
    assert transformer.transformer_blocks[0].attn.to_q.weight.dtype == FP8_STORAGE
    assert transformer.single_transformer_blocks[0].proj_mlp.weight.dtype == FP8_STORAGE
    assert transformer.x_embedder.weight.dtype == transformer.proj_out.weight.dtype == torch.bfloat16

    def block_bytes(model):
        modules = [model.pipeline.transformer.transformer_blocks, model.pipeline.transformer.single_transformer_blocks]
        return sum(t.numel() * t.element_size() for m in modules for t in [*m.parameters(), *m.buffers()])

    assert block_bytes(fp8) < 0.6 * block_bytes(bf16)
    reference, quantized = _edit(bf16), _edit(fp8)
    for a, b in zip(reference.trajectories, quantized.trajectories):
        difference = (a.latents[-1].float() - b.latents[-1].float()).abs().mean()
        assert 0 < difference < 0.02 * a.latents[-1].float().abs().mean()
    pixels = [np.abs(np.asarray(a, float) - np.asarray(b, float)).mean()
              for a, b in zip(reference.images, quantized.images)]
    assert max(pixels) < 3.0  # of 255


def test_fp8_refuses_fused_qkv_and_apple_mps_instead_of_silently_undoing_itself(monkeypatch):
    from core.model.speed_options import apply_speed_options

    fp8 = load_model(ModelSpec(model="tiny-random", device="cpu", weights="fp8"))
    with pytest.raises(ParameterError, match="fused QKV does not work with FP8 weights"):
        apply_speed_options(fp8, "fused-qkv")
    assert not hasattr(fp8.pipeline.transformer.transformer_blocks[0].attn, "to_qkv")
    assert fp8.identity.weights == "fp8"  # cache keys tell the FP8 model apart
    monkeypatch.setattr("core.model.loading.resolve_device", lambda name: torch.device("mps"))
    with pytest.raises(ParameterError, match="FP8 weights do not work on Apple MPS"):
        load_model(ModelSpec(model="tiny-random", device="mps", weights="fp8"))


def test_group_offload_gives_the_same_edit():
    plain = load_model(ModelSpec(model="tiny-random", device="cpu"))
    offloaded = load_model(ModelSpec(model="tiny-random", device="cpu"))
    offloaded.pipeline.transformer.enable_group_offload(
        onload_device=torch.device("cpu"), offload_type="block_level", num_blocks_per_group=1)
    assert torch.equal(_edit(plain).trajectories[1].latents, _edit(offloaded).trajectories[1].latents)


def test_estimates_rank_the_modes_and_find_a_24gb_mode():
    none = estimate_peak_gb(MemoryMode.NONE)
    assert none > 24  # FLUX.1-dev in bf16 does not fit a 24 GB card as is
    assert estimate_peak_gb(MemoryMode.NONE, weights="fp8") < 24
    assert estimate_peak_gb(MemoryMode.GROUP_OFFLOAD) < 24
    assert (estimate_peak_gb(MemoryMode.SEQUENTIAL_CPU_OFFLOAD) < estimate_peak_gb(MemoryMode.GROUP_OFFLOAD)
            < estimate_peak_gb(MemoryMode.MODEL_CPU_OFFLOAD) < none)
    assert estimate_peak_gb(MemoryMode.MODEL_CPU_OFFLOAD, height=2048, width=2048) > estimate_peak_gb(MemoryMode.MODEL_CPU_OFFLOAD)
    assert len(memory_table()) == 2 * len(PLACED_MODES)

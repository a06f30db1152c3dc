"""FP8 weight storage for the transformer blocks, through diffusers' own layerwise casting.

Every linear layer inside the double and single blocks stores its weight as
``float8_e4m3fn``; diffusers' hook casts each layer to the compute dtype just before it
runs and back afterwards (``diffusers.hooks.apply_layerwise_casting``), so only one layer at a
time is held in full precision. FLUX.1-dev's transformer then needs about 12 GB instead
of 24 GB; the price is a small rounding error, measured and recorded in the README.
Embeddings, normalisation layers and the output projection stay in the compute dtype.
"""

from __future__ import annotations

import torch
from diffusers.hooks import apply_layerwise_casting

from core.api.errors import ParameterError

FP8_STORAGE = torch.float8_e4m3fn
# Everything outside the blocks stays in full precision: it is small and the most sensitive.
# (Inside the blocks the modulation layers, a third of FLUX.1-dev's weights, are cast too:
# ``enable_layerwise_casting`` would always keep every "norm" layer in full precision.)
_KEEP_FULL_PRECISION = ("^x_embedder", "^context_embedder", "^time_text_embed", "^pos_embed", "^norm_out",
                        "^proj_out")


def check_fp8_device(device: torch.device) -> None:
    """Refuse FP8 weights where torch cannot store float8 (Apple MPS)."""
    if device.type == "mps":
        raise ParameterError("FP8 weights do not work on Apple MPS (it has no float8 type): choose model weights")


def refuse_fused_qkv_with_fp8(transformer: torch.nn.Module) -> None:
    """Fusing Q, K and V after FP8 casting would build float8 layers nobody casts: refuse it."""
    if is_fp8(transformer):
        raise ParameterError("fused QKV does not work with FP8 weights: choose one of the two")


def is_fp8(transformer: torch.nn.Module) -> bool:
    """Whether any weight of ``transformer`` is stored in FP8."""
    return any(parameter.dtype == FP8_STORAGE for parameter in transformer.parameters())


def transformer_to_fp8(transformer, compute_dtype: torch.dtype) -> int:
    """Store the block linear layers of a FLUX transformer in FP8; returns how many layers were cast."""
    apply_layerwise_casting(transformer, storage_dtype=FP8_STORAGE, compute_dtype=compute_dtype,
                            skip_modules_pattern=_KEEP_FULL_PRECISION)
    return sum(1 for module in transformer.modules()
               if isinstance(module, torch.nn.Linear) and module.weight.dtype == FP8_STORAGE)

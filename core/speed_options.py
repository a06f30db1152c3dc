"""Speed options for the transformer, chosen by name so settings and benchmarks share them.

A configuration is a ``+``-joined list, e.g. ``fused-qkv+attn=flash+compile``:
- ``eager``: nothing changed (the reference);
- ``fused-qkv``: one matmul for Q, K and V (diffusers' ``fuse_qkv_projections``);
- ``attn=<backend>``: diffusers' attention dispatcher backend (``native``, ``flash``,
  ``_native_cudnn``, ``sage``, ...: whatever this diffusers and machine provide);
- ``compile``: regional ``torch.compile`` of the repeated transformer blocks, so the first
  run compiles one block of each kind instead of the whole model.
``compile`` cannot be undone in a process; the others are reset by applying ``eager``.
Its backend is inductor unless ``SFS_COMPILE_BACKEND`` names another (the GPU check's CPU
dry run uses ``eager``: the same graphs and guards, without generating kernels).
"""

from __future__ import annotations

import os

from core.errors import ParameterError
from core.model import FluxModel

OPTIONS = ("eager", "fused-qkv", "attn=<backend>", "compile")


def parse_speed_config(config: str) -> list[str]:
    """Split and check a configuration string."""
    parts = [part.strip() for part in config.split("+") if part.strip()] or ["eager"]
    for part in parts:
        if part not in ("eager", "fused-qkv", "compile") and not part.startswith("attn="):
            raise ParameterError(f"unknown speed option '{part}': use {', '.join(OPTIONS)} joined with +")
    return parts


def apply_speed_options(model: FluxModel, config: str) -> None:
    """Put the transformer in the state ``config`` describes."""
    parts = parse_speed_config(config)
    transformer = model.pipeline.transformer
    wants_fused = "fused-qkv" in parts
    is_fused = any(getattr(block.attn, "fused_projections", False) for block in transformer.transformer_blocks)
    if wants_fused and not is_fused:
        transformer.fuse_qkv_projections()
    elif not wants_fused and is_fused:
        transformer.unfuse_qkv_projections()
    backend = next((part.split("=", 1)[1] for part in parts if part.startswith("attn=")), "native")
    try:
        transformer.set_attention_backend(backend)
    except (ValueError, RuntimeError, ImportError) as error:
        raise ParameterError(f"attention backend '{backend}' is not available here: {error}") from None
    if "compile" in parts and not getattr(transformer, "_sfs_compiled", False):
        backend = os.environ.get("SFS_COMPILE_BACKEND", "inductor")
        transformer.compile_repeated_blocks(fullgraph=False, backend=backend)
        transformer._sfs_compiled = True

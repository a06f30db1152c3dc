"""Speed options for the transformer, chosen by name so settings and benchmarks share them.

A configuration is a ``+``-joined list, e.g. ``fused-qkv+attn=flash+compile``:
- ``eager``: nothing changed (the reference);
- ``fused-qkv``: one matmul for Q, K and V (diffusers' ``fuse_qkv_projections``);
- ``attn=<backend>``: diffusers' attention dispatcher backend (``native``, ``flash``,
  ``_native_cudnn``, ``sage``, ...: whatever this diffusers and machine provide);
- ``compile``: regional ``torch.compile`` of the repeated transformer blocks, so the first
  run compiles one block of each kind instead of the whole model.
``compile`` cannot be undone in a process; the others are reset by applying ``eager``.

Compilation happens on the first call at each new input shape (image size, batch, text
length) and is then reused for the model's life; torch keeps the compiled kernels in the
app's cache folder (``torch-compile``), so a later process at the same size compiles much
faster (:func:`keep_compiled_kernels_in_app_cache`, called by ``main.py`` before torch
loads: torch reads the folder once). A :class:`CompileWatch` tells its listener when a
call compiles.

Its backend is inductor unless ``SFS_COMPILE_BACKEND`` names another (the GPU check's CPU
dry run uses ``eager``: the same graphs and guards, without generating kernels).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Callable, Optional

from core.api.errors import ParameterError
from core.storage.paths import cache_dir

if TYPE_CHECKING:  # importable without torch: the editor's window thread composes configurations
    from core.model.flux_model import FluxModel

OPTIONS = ("eager", "fused-qkv", "attn=<backend>", "compile")
COMPILE_CACHE_FOLDER = "torch-compile"


def parse_speed_config(config: str) -> list[str]:
    """Split and check a configuration string."""
    parts = [part.strip() for part in config.split("+") if part.strip()] or ["eager"]
    for part in parts:
        if part not in ("eager", "fused-qkv", "compile") and not part.startswith("attn="):
            raise ParameterError(f"unknown speed option '{part}': use {', '.join(OPTIONS)} joined with +")
    return parts


def keep_compiled_kernels_in_app_cache() -> None:
    """Point torch's compile cache into the app's cache folder (unless the user chose one)."""
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(cache_dir() / COMPILE_CACHE_FOLDER))


def speed_config(compile_blocks: bool = False, attention_backend: str = "native") -> str:
    """The configuration string of the user-facing choices (Settings, ``edit --compile --attention-backend``)."""
    parts = [] if attention_backend in ("", "native") else [f"attn={attention_backend}"]
    if compile_blocks:
        parts.append("compile")
    return "+".join(parts) or "eager"


class CompileWatch:
    """Calls ``listener(True)`` before a compiled transformer call at an input shape not seen
    yet (torch compiles then) and ``listener(False)`` after it. Installed by
    :func:`apply_speed_options` with ``compile``; find it with :func:`compile_watch`."""

    def __init__(self) -> None:
        self.listener: Optional[Callable[[bool], None]] = None
        self.seen: set[tuple] = set()
        self._compiling: Optional[tuple] = None

    @staticmethod
    def _key(kwargs: dict) -> tuple:
        return tuple((name, tuple(value.shape)) for name, value in sorted(kwargs.items()) if hasattr(value, "shape"))

    def before(self, _module, _args, kwargs) -> None:
        """Forward pre-hook: announce a compilation for a new shape."""
        key = self._key(kwargs)
        if key not in self.seen:
            self._compiling = key
            if self.listener is not None:
                self.listener(True)

    def after(self, _module, _args, _kwargs, _output) -> None:
        """Forward hook: the compilation (if any) is done."""
        if self._compiling is not None:
            self.seen.add(self._compiling)
            self._compiling = None
            if self.listener is not None:
                self.listener(False)


def compile_watch(model: FluxModel) -> Optional[CompileWatch]:
    """The model's :class:`CompileWatch`, or None when it is not compiled."""
    return getattr(model.pipeline.transformer, "_sfs_compile_watch", None)


def _install_compile_watch(transformer) -> None:
    watch = CompileWatch()
    transformer.register_forward_pre_hook(watch.before, with_kwargs=True)
    transformer.register_forward_hook(watch.after, with_kwargs=True)
    transformer._sfs_compile_watch = watch


def apply_speed_options(model: FluxModel, config: str) -> None:
    """Put the transformer in the state ``config`` describes."""
    parts = parse_speed_config(config)
    transformer = model.pipeline.transformer
    wants_fused = "fused-qkv" in parts
    is_fused = any(getattr(block.attn, "fused_projections", False) for block in transformer.transformer_blocks)
    if wants_fused and not is_fused:
        from core.model.fp8_weights import refuse_fused_qkv_with_fp8  # torch-only: imported when applied

        refuse_fused_qkv_with_fp8(transformer)
        transformer.fuse_qkv_projections()
    elif not wants_fused and is_fused:
        transformer.unfuse_qkv_projections()
    backend = next((part.split("=", 1)[1] for part in parts if part.startswith("attn=")), "native")
    try:
        transformer.set_attention_backend(backend)
    except (ValueError, RuntimeError, ImportError) as error:
        raise ParameterError(f"attention backend '{backend}' is not available here: {error}") from None
    if "compile" in parts and not getattr(transformer, "_sfs_compiled", False):
        keep_compiled_kernels_in_app_cache()  # in case torch has not read its folder yet
        backend = os.environ.get("SFS_COMPILE_BACKEND", "inductor")
        transformer.compile_repeated_blocks(fullgraph=False, backend=backend)
        transformer._sfs_compiled = True
        _install_compile_watch(transformer)

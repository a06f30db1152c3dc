"""The engine: one entry point that runs any editing method on a loaded model, and the one
factory (:func:`build_engine`) that the command line, the editor, batch runs and benchmarks
all get it from, so they share its caches and rules.

Every rule a request must follow (prompts, sizes, seed, sequence length, the method's own
parameters) is checked here, so the command line and the editor only translate their
inputs and show the one line a :class:`~core.api.errors.ParameterError` carries.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Optional

from core.api.errors import ParameterError, device_memory_guard
from core.api.progress import JobControl
from core.api.requests import EditRequest, EditResult, InversionStore
from core.flux.masks import check_edit_mask, check_mask, composite
from core.methods.base import RunStores
from core.methods.registry import get_method
from core.methods.stable_flow.kv_cache import SourceKVStore
from core.model.flux_model import FluxModel
from core.model.prompt_cache import DiskPromptCache
from core.model.vital_layers import validate_vital_layers
from core.rules.prompts import check_max_sequence_length, check_prompt
from core.rules.sizes import check_side
from core.storage.cache_sizes import DEFAULT_LATENT_CACHE_BYTES
from core.storage.inversion_cache import DiskLatentCache
from core.storage.paths import cache_dir

MAX_SEED = 2**64 - 1  # torch generators take 64-bit seeds


def check_seed(seed: object) -> int:
    """A seed: a whole number from 0 to 2**64 - 1."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ParameterError(f"the seed must be a whole number from 0 to {MAX_SEED} (got {str(seed)[:40]})")
    return seed


def validate_request(request: EditRequest) -> dict:
    """Check everything about a request that needs no model; returns the method's resolved params."""
    check_prompt(request.source_prompt, "source prompt")
    if not request.target_prompts:
        raise ParameterError("give at least one edit prompt")
    for index, prompt in enumerate(request.target_prompts, start=1):
        check_prompt(prompt, f"edit prompt {index}")
    if request.image is not None and request.source is not None:
        raise ParameterError("an edit starts from a photo or from a known result, not both")
    if request.source_image is not None and (
        request.source is None or request.source_image.size != (request.source.width, request.source.height)
    ):
        raise ParameterError("a source picture goes with a known result of the same size")
    if request.max_sequence_length is not None:  # None: the model's own (resolved by the engine)
        check_max_sequence_length(request.max_sequence_length)
    check_seed(request.seed)
    if request.image is not None:
        size, what = request.image.size, "the photo's working"
    elif request.source is not None:
        size, what = (request.source.width, request.source.height), "the source's"
    else:
        size, what = (request.width, request.height), "the"
    check_side(f"{what} width", size[0])
    check_side(f"{what} height", size[1])
    if request.mask is not None:
        check_edit_mask(request.mask, *size)
        if request.keep is not None and request.keep.size != size:
            raise ParameterError("the kept pixels are not the size of the image being edited")
    return get_method(request.method).resolve_params(request)


class Engine:
    """Runs :class:`EditRequest` s on one model, with an optional inversion store (cache) and
    an optional store of the source rows' K/V for re-edits (:mod:`core.methods.stable_flow.kv_cache`)."""

    def __init__(self, model: FluxModel, inversion_store: Optional[InversionStore] = None,
                 source_kv_store: Optional[SourceKVStore] = None) -> None:
        self.model = model
        self.inversion_store = inversion_store
        self.source_kv_store = source_kv_store

    def with_model_defaults(self, request: EditRequest) -> EditRequest:
        """``request`` with what it leaves to the model filled in (its text length)."""
        if request.max_sequence_length is None:
            return dataclasses.replace(request, max_sequence_length=self.model.text_tokens)
        return request

    def validate(self, request: EditRequest) -> dict:
        """Check prompts and parameters without running anything; returns the resolved params."""
        params = validate_request(self.with_model_defaults(request))
        if request.vital_layers is not None:
            validate_vital_layers(request.vital_layers, self.model.layout)
        source = request.source
        if source is not None and source.latents.shape[1] != self.model.image_tokens(source.height, source.width):
            raise ParameterError("this result was made with another model (its latents do not fit this one): "
                                 "edit it with the model that made it, or start again from the photo")
        return params

    def run(self, request: EditRequest, control: Optional[JobControl] = None) -> EditResult:
        """Validate, then run the request's method; running out of device memory raises
        :class:`~core.api.errors.OutOfMemoryError`. A masked edit's images are composited over the
        kept pixels (ALGORITHMS.md section 5), so outside the mask they are those pixels exactly."""
        request = self.with_model_defaults(request)
        self.validate(request)
        with device_memory_guard():
            stores = RunStores(self.inversion_store, self.source_kv_store)
            result = get_method(request.method).run(self.model, request, control or JobControl(), stores)
        if request.mask is not None:
            keep = next(image for image in (request.keep, request.image, result.source_image) if image is not None)
            mask = check_mask(request.mask, keep.width, keep.height)
            result.images = [composite(image, keep, mask) for image in result.images]
        return result


def build_engine(model: FluxModel, latent_cache_bytes: int = DEFAULT_LATENT_CACHE_BYTES,
                 cache_folder: Optional[Path] = None, kv_cache_bytes: int = 0) -> Engine:
    """The engine every front end uses: photo inversions (``latents/``) and prompt embeddings
    (``prompts/``) cached on disk under ``cache_folder`` (default: the app's cache folder), and,
    when ``kv_cache_bytes`` is positive, the source rows' K/V kept in that much host memory so a
    re-edit of the same source skips their transformer passes."""
    folder = Path(cache_folder) if cache_folder is not None else cache_dir()
    model.prompt_encoder.disk_cache = DiskPromptCache(model, folder / "prompts")
    kv_store = SourceKVStore(device_budget=0, host_budget=kv_cache_bytes) if kv_cache_bytes > 0 else None
    return Engine(model, DiskLatentCache(folder / "latents", latent_cache_bytes), kv_store)

"""Loading a FLUX-architecture pipeline: a Hugging Face id, a local folder, the trained demo, or tiny-random."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator, Optional

import torch

from core.api.errors import ModelLoadError, ParameterError
from core.model.demo_weights import DEMO_MODEL_ID, demo_model_folder
from core.model.devices import WEIGHT_CHOICES, MemoryMode, resolve_device, resolve_dtype
from core.model.flux_model import FluxModel
from core.model.fp8_weights import check_fp8_device, transformer_to_fp8
from core.model.memory_auto import EditShape, Placement, card_memory, choose_placement
from core.model.text_encoder_placement import offload_text_encoders_between_prompts
from core.storage.cache_keys import folder_fingerprint
from core.model.ids import DEFAULT_MODEL_ID, KNOWN_MODELS  # noqa: F401 (re-exported)
from core.model.tiny_flux import (
    FLUX_DEV_RANDOM_ID,
    FLUX_DEV_SIZE,
    TINY_MODEL_ID,
    TINY_SIZE,
    build_random_flux_pipeline,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSpec:
    """What to load and how. ``hf_token`` is used for the download only and never stored."""

    model: str = DEFAULT_MODEL_ID
    device: str = "auto"
    dtype: str = "auto"
    memory_mode: MemoryMode = MemoryMode.AUTO
    hf_token: Optional[str] = None
    revision: Optional[str] = None
    weights: str = "model"  # "model" keeps the checkpoint's precision; "fp8" stores transformer weights in FP8

    def __repr__(self) -> str:  # keep the token out of logs and tracebacks
        token = "<set>" if self.hf_token else None
        return (
            f"ModelSpec(model={self.model!r}, device={self.device!r}, dtype={self.dtype!r}, "
            f"memory_mode={self.memory_mode.value!r}, hf_token={token}, revision={self.revision!r}, "
            f"weights={self.weights!r})"
        )


@contextmanager
def _load_errors(spec: ModelSpec, is_local: bool) -> Iterator[None]:
    """Turn the hub's and diffusers' loading errors into one-line :class:`ModelLoadError` s."""
    from huggingface_hub.errors import (
        GatedRepoError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    name = spec.model
    try:
        yield
    except GatedRepoError:
        raise ModelLoadError(
            f"{name} is gated: accept its licence on its Hugging Face page, then pass --hf-token or run "
            "'hf auth login'"
        ) from None
    except RepositoryNotFoundError:
        raise ModelLoadError(
            f"no model named '{name}' on Hugging Face (or it is private: pass --hf-token); "
            "check the id or give a local diffusers folder"
        ) from None
    except RevisionNotFoundError:
        raise ModelLoadError(f"'{name}' has no revision '{spec.revision}'") from None
    except LocalEntryNotFoundError:
        raise ModelLoadError(
            f"{name} is not in the Hugging Face cache and could not be downloaded (no network?); "
            "connect once to download it, or give a local folder"
        ) from None
    except torch.cuda.OutOfMemoryError:
        raise ModelLoadError(f"not enough memory to load {name}: try --cpu-offload") from None
    except (OSError, ValueError, KeyError) as error:
        text = str(error)
        if not is_local and any(mark in text for mark in _OFFLINE_MARKS):
            raise ModelLoadError(
                f"{name} is not in the Hugging Face cache and could not be downloaded (no network?); "
                "connect once to download it, or give a local folder"
            ) from None
        where = "folder" if is_local else "model"
        raise ModelLoadError(f"could not load the {where} '{name}': {_first_sentence(text, type(error).__name__)}") from None


def _load_pretrained(source: str, dtype: torch.dtype, spec: ModelSpec, is_local: bool):
    """The pipeline without its T5 encoder (about 9.5 GB in bf16): :class:`DeferredT5` loads it
    when a prompt is not in the prompt cache."""
    # Imported here: huggingface_hub and diffusers' pipeline loading are only needed for real models.
    from diffusers import FluxPipeline

    with _load_errors(spec, is_local):
        return FluxPipeline.from_pretrained(source, torch_dtype=dtype, token=spec.hf_token, revision=spec.revision,
                                            text_encoder_2=None)


@dataclass
class DeferredT5:
    """Loads a pretrained pipeline's T5 encoder on first use and places it as the memory mode says."""

    pipeline: Any = field(repr=False)
    source: str
    dtype: torch.dtype
    spec: ModelSpec
    is_local: bool
    device: torch.device

    def __call__(self) -> None:
        """Load T5 into the pipeline unless it is there already."""
        if self.pipeline.text_encoder_2 is not None:
            return
        from transformers import T5EncoderModel

        with _load_errors(self.spec, self.is_local):
            encoder = T5EncoderModel.from_pretrained(self.source, subfolder="text_encoder_2", dtype=self.dtype,
                                                     token=self.spec.hf_token, revision=self.spec.revision)
        encoder.eval()
        self.pipeline.register_modules(text_encoder_2=encoder)
        _place_text_encoders(self.pipeline, self.device, self.spec.memory_mode)


_OFFLINE_MARKS = ("not fully cached", "outgoing traffic has been disabled", "Connection", "connect to")


def _first_sentence(text: str, fallback: str, limit: int = 200) -> str:
    """The first line of a library error, cut to a readable length."""
    line = text.strip().splitlines()[0] if text.strip() else fallback
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."


def _check_local_folder(path: Path) -> None:
    if not path.is_dir():
        raise ModelLoadError(f"model folder not found: {path}")
    if not (path / "model_index.json").is_file():
        raise ModelLoadError(
            f"{path} is not a diffusers model folder (no model_index.json); "
            "give a folder saved with save_pretrained or a Hugging Face id"
        )


def _looks_like_path(model: str) -> bool:
    return model.startswith((".", "/", "~")) or "\\" in model or Path(model).expanduser().exists() or model.count("/") > 1


def load_model(spec: ModelSpec, shape: Optional[EditShape] = None) -> FluxModel:
    """Load and place the model; raises :class:`ModelLoadError` with a one-line reason.

    The automatic memory mode is resolved here for ``shape`` (default: one 1024x1024 edit).
    """
    device = resolve_device(spec.device)
    dtype = resolve_dtype(spec.dtype, device)
    model = KNOWN_MODELS.get(spec.model.lower(), spec.model)
    if spec.weights not in WEIGHT_CHOICES:
        raise ParameterError(f"unknown weight precision '{spec.weights}': choose one of {', '.join(WEIGHT_CHOICES)}")
    if spec.memory_mode is not MemoryMode.AUTO:
        reason = f"{Placement(spec.memory_mode, spec.weights).label} (as set)"
    else:
        choice = choose_placement(card_memory(device), shape or EditShape(), spec.weights)
        spec = replace(spec, memory_mode=choice.placement.mode, weights=choice.placement.weights)
        reason = choice.reason
    if spec.weights == "fp8":
        check_fp8_device(device)
    fingerprint = None
    deferred = None  # (source, is_local) of a pretrained pipeline whose T5 loads on first use
    if model == TINY_MODEL_ID:
        pipeline = build_random_flux_pipeline(TINY_SIZE, dtype=dtype)
    elif model == FLUX_DEV_RANDOM_ID:
        # Built straight on the device: a 12B-parameter model would not fit twice.
        build_on = device if spec.memory_mode is MemoryMode.NONE else torch.device("cpu")
        pipeline = build_random_flux_pipeline(FLUX_DEV_SIZE, device=build_on, dtype=dtype)
    elif model == DEMO_MODEL_ID:
        folder = str(demo_model_folder())
        pipeline = _load_pretrained(folder, dtype, spec, is_local=True)
        deferred = (folder, True)
    elif _looks_like_path(model):
        path = Path(model).expanduser()
        _check_local_folder(path)
        pipeline = _load_pretrained(str(path), dtype, spec, is_local=True)
        model = str(path.resolve())
        fingerprint = folder_fingerprint(path)
        deferred = (str(path), True)
    else:
        pipeline = _load_pretrained(model, dtype, spec, is_local=False)
        deferred = (model, False)

    from diffusers import FluxTransformer2DModel

    if not isinstance(getattr(pipeline, "transformer", None), FluxTransformer2DModel):
        raise ModelLoadError(f"'{spec.model}' is not a FLUX-architecture model (its transformer is not FLUX's)")
    pipeline.set_progress_bar_config(disable=True)
    if spec.weights == "fp8":
        transformer_to_fp8(pipeline.transformer, dtype)
    execution_device = _place(pipeline, device, spec.memory_mode)
    log.info("loaded %s on %s as %s; memory: %s", model, execution_device, dtype, reason)
    loaded = FluxModel(pipeline=pipeline, model_id=model, device=execution_device, dtype=dtype, revision=spec.revision,
                       weights=spec.weights, fingerprint=fingerprint,
                       placement=Placement(spec.memory_mode, spec.weights), placement_reason=reason)
    if deferred is not None:
        source, is_local = deferred
        loaded.prompt_encoder.load_text_encoders = DeferredT5(pipeline, source, dtype, spec, is_local, device)
    return loaded


_PIPELINE_OFFLOADS = (MemoryMode.MODEL_CPU_OFFLOAD, MemoryMode.SEQUENTIAL_CPU_OFFLOAD)


@contextmanager
def _gpu_memory_errors() -> Iterator[None]:
    try:
        yield
    except torch.cuda.OutOfMemoryError:
        raise ModelLoadError(
            "the model does not fit in GPU memory: choose --weights fp8, --memory-mode group-offload or --cpu-offload"
        ) from None


def _offload_pipeline(pipeline, device: torch.device, memory_mode: MemoryMode) -> None:
    """diffusers' whole-pipeline offload hooks (applied again, they cover components loaded since)."""
    if memory_mode is MemoryMode.MODEL_CPU_OFFLOAD:
        pipeline.enable_model_cpu_offload(device=device)
    else:
        pipeline.enable_sequential_cpu_offload(device=device)


def _place(pipeline, device: torch.device, memory_mode: MemoryMode) -> torch.device:
    """Move weights per the memory mode; return the device tensors must be sent to."""
    if device.type == "cpu":
        pipeline.to(device)
        return device
    with _gpu_memory_errors():
        if memory_mode in _PIPELINE_OFFLOADS:
            _offload_pipeline(pipeline, device, memory_mode)
        else:
            if memory_mode is MemoryMode.GROUP_OFFLOAD:
                pipeline.transformer.enable_group_offload(
                    onload_device=device, offload_device=torch.device("cpu"), offload_type="block_level",
                    num_blocks_per_group=1, use_stream=device.type == "cuda",
                )
            else:
                pipeline.transformer.to(device)
            pipeline.vae.to(device)
            offload_text_encoders_between_prompts(pipeline, device)
    return device


def _place_text_encoders(pipeline, device: torch.device, memory_mode: MemoryMode) -> None:
    """Place text encoders loaded after the rest of the pipeline as :func:`_place` would have."""
    if device.type == "cpu":
        pipeline.text_encoder_2.to(device)
        return
    with _gpu_memory_errors():
        if memory_mode in _PIPELINE_OFFLOADS:
            _offload_pipeline(pipeline, device, memory_mode)
        else:
            offload_text_encoders_between_prompts(pipeline, device)

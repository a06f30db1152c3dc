"""Loading a FLUX-architecture pipeline: a Hugging Face id, a local folder, the trained demo, or tiny-random."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import torch

from core.devices import WEIGHT_CHOICES, MemoryMode, resolve_device, resolve_dtype
from core.errors import ModelLoadError, ParameterError
from core.demo_model.shipped import DEMO_MODEL_ID, demo_model_folder
from core.fp8_weights import transformer_to_fp8
from core.text_encoder_placement import offload_text_encoders_between_prompts
from core.model import FluxModel
from core.tiny_model import (
    FLUX_DEV_RANDOM_ID,
    FLUX_DEV_SIZE,
    TINY_MODEL_ID,
    TINY_SIZE,
    build_random_flux_pipeline,
)

DEFAULT_MODEL_ID = "black-forest-labs/FLUX.1-dev"
KNOWN_MODELS = {
    "flux.1-dev": "black-forest-labs/FLUX.1-dev",
    "flux.1-schnell": "black-forest-labs/FLUX.1-schnell",
}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSpec:
    """What to load and how. ``hf_token`` is used for the download only and never stored."""

    model: str = DEFAULT_MODEL_ID
    device: str = "auto"
    dtype: str = "auto"
    memory_mode: MemoryMode = MemoryMode.NONE
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


def _load_pretrained(source: str, dtype: torch.dtype, spec: ModelSpec, is_local: bool):
    # Imported here: huggingface_hub and diffusers' pipeline loading are only needed for real models.
    from diffusers import FluxPipeline
    from huggingface_hub.errors import (
        GatedRepoError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    name = spec.model
    try:
        pipeline = FluxPipeline.from_pretrained(source, torch_dtype=dtype, token=spec.hf_token, revision=spec.revision)
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
    return pipeline


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


def load_model(spec: ModelSpec) -> FluxModel:
    """Load and place the model; raises :class:`ModelLoadError` with a one-line reason."""
    device = resolve_device(spec.device)
    dtype = resolve_dtype(spec.dtype, device)
    model = KNOWN_MODELS.get(spec.model.lower(), spec.model)
    if spec.weights not in WEIGHT_CHOICES:
        raise ParameterError(f"unknown weight precision '{spec.weights}': choose one of {', '.join(WEIGHT_CHOICES)}")
    if model == TINY_MODEL_ID:
        pipeline = build_random_flux_pipeline(TINY_SIZE, dtype=dtype)
    elif model == FLUX_DEV_RANDOM_ID:
        # Built straight on the device: a 12B-parameter model would not fit twice.
        build_on = device if spec.memory_mode is MemoryMode.NONE else torch.device("cpu")
        pipeline = build_random_flux_pipeline(FLUX_DEV_SIZE, device=build_on, dtype=dtype)
    elif model == DEMO_MODEL_ID:
        pipeline = _load_pretrained(str(demo_model_folder()), dtype, spec, is_local=True)
    elif _looks_like_path(model):
        path = Path(model).expanduser()
        _check_local_folder(path)
        pipeline = _load_pretrained(str(path), dtype, spec, is_local=True)
        model = str(path.resolve())
    else:
        pipeline = _load_pretrained(model, dtype, spec, is_local=False)

    from diffusers import FluxTransformer2DModel

    if not isinstance(getattr(pipeline, "transformer", None), FluxTransformer2DModel):
        raise ModelLoadError(f"'{spec.model}' is not a FLUX-architecture model (its transformer is not FLUX's)")
    pipeline.set_progress_bar_config(disable=True)
    if spec.weights == "fp8":
        transformer_to_fp8(pipeline.transformer)
    execution_device = _place(pipeline, device, spec.memory_mode)
    log.info("loaded %s on %s as %s (%s)", model, execution_device, dtype, spec.memory_mode.value)
    return FluxModel(pipeline=pipeline, model_id=model, device=execution_device, dtype=dtype, revision=spec.revision)


def _place(pipeline, device: torch.device, memory_mode: MemoryMode) -> torch.device:
    """Move weights per the memory mode; return the device tensors must be sent to."""
    if device.type == "cpu":
        pipeline.to(device)
        return device
    try:
        if memory_mode is MemoryMode.MODEL_CPU_OFFLOAD:
            pipeline.enable_model_cpu_offload(device=device)
        elif memory_mode is MemoryMode.SEQUENTIAL_CPU_OFFLOAD:
            pipeline.enable_sequential_cpu_offload(device=device)
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
    except torch.cuda.OutOfMemoryError:
        raise ModelLoadError(
            "the model does not fit in GPU memory: choose --weights fp8, --memory-mode group-offload or --cpu-offload"
        ) from None
    return device

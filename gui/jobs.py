"""Jobs for the engine worker: frozen requests with ids; nothing but a cancel flag flows back in.

No torch here: the engine types are only named for type checkers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Optional

if TYPE_CHECKING:
    from PIL import Image

    from core.api.progress import CancelToken
    from core.batch.recipe import BatchRecipe
    from core.batch.source_prompts import SourcePrompts
    from core.api.requests import EditRequest
    from gui.edit_results import ResultPlan


@dataclass(frozen=True)
class ModelChoice:
    """Which model to load and how. The token is kept in memory only (never repr'd or saved)."""

    model: str
    device: str = "auto"
    precision: str = "auto"
    memory_mode: str = "auto"
    weights: str = "model"
    kv_cache_gb: float = 0.0  # memory for re-edit K/V replay (core/methods/stable_flow/kv_cache.py); 0 turns it off
    speed: str = "eager"  # a core.model.speed_options configuration
    hf_token: Optional[str] = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class CacheChoice:
    """Where the latent and prompt caches live and how large the latent cache may grow."""

    folder: Path
    max_bytes: int


@dataclass(frozen=True)
class LoadModelJob:
    """Load (or keep) a model so the next edit starts at once."""

    id: int
    model: ModelChoice


@dataclass(frozen=True)
class EditJob:
    """Run one edit request.

    ``plan`` says how the worker turns the result into the job's payload
    (:func:`gui.edit_results.prepare_result`: file work there never stalls the window);
    without one the payload is the result itself.
    """

    id: int
    model: ModelChoice
    cache: CacheChoice
    request: "EditRequest"
    cancel: "CancelToken"
    plan: Optional["ResultPlan"] = None
    check_inversion: bool = False  # sample a photo's inversion back, report its PSNR (core/methods/inversion_check.py)


@dataclass(frozen=True)
class CaptionJob:
    """Describe ``image`` with the captioning model ``caption_model`` (offline); the payload is the text."""

    id: int
    model: ModelChoice
    cache: CacheChoice
    cancel: "CancelToken"
    image: "Image.Image"
    caption_model: str


@dataclass(frozen=True)
class BatchJob:
    """Apply ``recipe`` to ``photos`` into ``output`` (core.batch.runner); the payload is the report.

    Each finished photo is reported as the worker's ``batch_photo`` (job id, index, PhotoResult).
    ``sources`` says how each photo is described; when it asks for the captioning model, the
    worker lends a copy of it the model named by its ``captioner_id``.
    """

    id: int
    model: ModelChoice
    cache: CacheChoice
    cancel: "CancelToken"
    recipe: "BatchRecipe"
    sources: "SourcePrompts"
    photos: tuple[Path, ...]
    bases: Mapping[Path, str]
    output: Path


Job = LoadModelJob | EditJob | CaptionJob | BatchJob

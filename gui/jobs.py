"""Jobs for the engine worker: frozen requests with ids; nothing but a cancel flag flows back in.

No torch here: the engine types are only named for type checkers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:
    from core.api.progress import CancelToken
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
class EngineTaskJob:
    """Run ``task(engine, control)`` on the worker with the model loaded (a batch, a caption).

    ``control`` carries ``cancel`` (no step progress: a task reports its own units of work);
    the task's return value is the job's payload.
    """

    id: int
    model: ModelChoice
    cache: CacheChoice
    cancel: "CancelToken"
    task: Callable[[Any, Any], Any] = field(compare=False)


Job = LoadModelJob | EditJob | EngineTaskJob

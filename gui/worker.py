"""The engine worker: a QObject living on one long-lived QThread that owns the model.

Jobs arrive by queued signal and run one at a time; progress, previews and results go
back by signals carrying the job id. Cancellation is the job's thread-safe CancelToken,
checked by the engine after every step. A failed job reports one line and the thread
lives on. With the automatic memory mode every edit re-checks that the loaded placement
fits it (core/model/memory_auto.py); an edit that runs out of GPU memory anyway is retried once
with the next lower placement. Torch and the engine are imported here, on the worker thread, so the window
never waits for them.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from dataclasses import replace
from typing import Any, Callable, Optional

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QImage

from gui.error_messages import describe_error, is_out_of_memory
from gui.jobs import BatchJob, CacheChoice, CaptionJob, EditJob, LoadModelJob, ModelChoice
from gui.preview import PreviewMaker, request_size

log = logging.getLogger(__name__)
# Progress signals for very fast steps are thinned to this rate (the last step always goes).
PROGRESS_INTERVAL = 0.03


def load_flux_model(choice: ModelChoice):
    """The default model loader: core.model.loading with the user's device, precision and memory mode."""
    from core.api.errors import ParameterError
    from core.model.devices import MemoryMode
    from core.model.loading import ModelSpec, load_model

    if choice.memory_mode not in {mode.value for mode in MemoryMode}:  # a hand-edited settings file
        raise ParameterError(f"unknown memory mode '{choice.memory_mode}' in the settings: choose one in Settings")
    model = load_model(ModelSpec(model=choice.model, device=choice.device, dtype=choice.precision,
                                 memory_mode=MemoryMode(choice.memory_mode), hf_token=choice.hf_token,
                                 weights=choice.weights))
    from core.model.speed_options import apply_speed_options

    apply_speed_options(model, choice.speed)
    return model


def _leave_a_core_for_the_window() -> None:
    """On the CPU, compute on all cores but one: torch's spinning threads would otherwise take
    the core the UI thread needs (on a 2-core machine this also made edits several times faster
    whenever other programs were busy; see benchmarks/bench_ui.py)."""
    import torch

    torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))


class EngineWorker(QObject):
    """Runs :mod:`gui.jobs` jobs on the thread it was moved to."""

    engine_ready = Signal(object)  # MethodCatalog
    engine_failed = Signal(str)
    model_loading = Signal(int, str)  # job id, what is being loaded
    model_ready = Signal(int, str)  # job id, "model on device"
    token_counter = Signal(object)  # a gui.prompt_length.TokenCounter for the loaded model (or None)
    progress = Signal(int, str, int, int)  # job id, phase, step, total
    preview = Signal(int, QImage)
    finished = Signal(int, object)  # job id, payload
    failed = Signal(int, str)  # job id, one-line message
    cancelled = Signal(int)
    inversion_checked = Signal(int, str, QImage)  # job id, one-line summary, reconstruction (null if none)
    batch_photo = Signal(int, int, object)  # job id, index in the batch, core.batch.report.PhotoResult

    def __init__(self, model_loader: Callable[[ModelChoice], Any] = load_flux_model) -> None:
        super().__init__()
        self._load = model_loader
        self._model = None
        self._choice: Optional[ModelChoice] = None
        self._engine = None
        self._cache: Optional[CacheChoice] = None
        self._placement = None  # core.model.memory_auto.Placement of the loaded model
        self._placement_reason = ""

    @Slot()
    def start_engine(self) -> None:
        """Import torch and the engine, then announce the editing methods."""
        try:
            from gui.method_catalog import build_catalog

            catalog = build_catalog()
        except Exception as error:  # a broken install: say so, keep the window usable
            self.engine_failed.emit(f"The editing engine could not start: {describe_error(error)}")
            return
        self.engine_ready.emit(catalog)

    @Slot(object)
    def run_job(self, job) -> None:
        """Run one job; every outcome is reported by exactly one of finished/failed/cancelled."""
        from core.api.errors import Cancelled

        try:
            if isinstance(job, LoadModelJob):
                self.finished.emit(job.id, self._ensure_model(job.id, job.model))
            elif isinstance(job, EditJob):
                self.finished.emit(job.id, self._run_edit(job))
            elif isinstance(job, CaptionJob):
                self.finished.emit(job.id, self._run_caption(job))
            elif isinstance(job, BatchJob):
                self.finished.emit(job.id, self._run_batch(job))
            else:
                raise TypeError(f"unknown job {type(job).__name__}")
        except Cancelled:
            self.cancelled.emit(job.id)
            self._free_memory()
        except Exception as error:
            self.failed.emit(job.id, describe_error(error))
            self._free_memory()

    def _ensure_model(self, job_id: int, choice: ModelChoice, shape=None, forced=None) -> str:
        """Load ``choice`` unless it is loaded already with a placement that suits the edit ``shape``.

        ``forced`` is an (placement, reason) pair that overrides the automatic choice (after
        running out of memory).
        """
        placement, reason = forced or self._auto_placement(choice, shape)
        if self._model is None or choice != self._choice or (placement is not None and placement != self._placement):
            what = choice.model if placement is None else f"{choice.model} ({placement.label})"
            self.model_loading.emit(job_id, what)
            self._model = self._engine = self._choice = None
            self._free_memory()
            concrete = choice if placement is None else replace(choice, memory_mode=placement.mode.value,
                                                                weights=placement.weights)
            self._model = self._load(concrete)
            self._choice = choice
            self._placement = placement or getattr(self._model, "placement", None)
            self._placement_reason = reason or getattr(self._model, "placement_reason", "")
            if self._model.device.type == "cpu":
                _leave_a_core_for_the_window()
            self._announce_token_counter()
        from core.model.devices import describe_device

        description = f"{self._model.model_id} on {describe_device(self._model.device)}"
        if self._placement_reason:
            description += f" · memory: {self._placement_reason}"
        self.model_ready.emit(job_id, description)
        return description

    def _auto_placement(self, choice: ModelChoice, shape) -> tuple[Any, str]:
        """For the automatic memory mode, (placement, reason) when the edit needs a (re)load, else (None, "")."""
        if choice.memory_mode != "auto":
            return None, ""
        from core.model.devices import resolve_device
        from core.model.memory_auto import EditShape, card_memory, keep_or_choose

        loaded = self._model is not None and choice == self._choice
        device = self._model.device if loaded else resolve_device(choice.device)
        decision = keep_or_choose(self._placement if loaded else None, card_memory(device), shape or EditShape(),
                                  choice.weights)
        return (None, "") if decision is None else (decision.placement, decision.reason)

    def _announce_token_counter(self) -> None:
        from gui.prompt_length import TokenCounter

        try:
            counter = TokenCounter.for_pipeline(getattr(self._model, "pipeline", None))
        except Exception as error:  # the warning is a convenience: never fail a load for it
            log.warning("no prompt-length warnings: %s", error)
            counter = None
        self.token_counter.emit(counter)

    def _engine_for(self, cache: CacheChoice):
        if self._engine is None or cache != self._cache:
            from core.engine import build_engine

            kv_bytes = int(self._choice.kv_cache_gb * 1024**3) if self._choice is not None else 0
            self._engine = build_engine(self._model, cache.max_bytes, cache.folder, kv_bytes)
            self._cache = cache
        return self._engine

    def _run_edit(self, job: EditJob) -> Any:
        from core.model.memory_auto import EditShape

        job.cancel.raise_if_cancelled()  # cancelled while it waited in the queue
        shape = EditShape.of_request(job.request)
        self._ensure_model(job.id, job.model, shape)
        try:
            return self._edit_once(job)
        except Exception as error:
            if not is_out_of_memory(error):
                raise
        # Out of the except block, so the failed attempt's frames (and their tensors) are gone.
        self._ensure_model(job.id, job.model, shape, forced=self._lower_placement(shape))
        return self._edit_once(job)

    def _lower_placement(self, shape):
        """After running out of memory: the next lower placement and why (raises the OOM line if none)."""
        from core.api.errors import UserError
        from core.model.devices import MemoryMode
        from core.model.memory_auto import Placement, lower_placement

        self._free_memory()
        choice = self._choice
        current = self._placement
        if current is None:
            mode = MemoryMode.NONE if choice.memory_mode == "auto" else MemoryMode(choice.memory_mode)
            current = Placement(mode, choice.weights)
        lower = lower_placement(current, shape)
        if lower is None:
            from gui.error_messages import OUT_OF_MEMORY

            raise UserError(OUT_OF_MEMORY)
        return lower, f"{lower.label} (ran out of GPU memory with {current.label}; the edit was retried once)"

    def _edit_once(self, job: EditJob) -> Any:
        """Run the job's request on the loaded model, with progress and previews."""
        from core.api.progress import JobControl

        engine = self._engine_for(job.cache)
        previews = PreviewMaker(self._model, *request_size(job.request))
        last_sent = 0.0

        def on_progress(event) -> None:
            nonlocal last_sent
            now = time.monotonic()
            if now - last_sent >= PROGRESS_INTERVAL or event.step == event.total:
                last_sent = now
                self.progress.emit(job.id, event.phase, event.step, event.total)
            image = previews.maybe_preview(event.phase, event.latents)
            if image is not None:
                self.preview.emit(job.id, image)

        from core.model.speed_options import compile_watch

        watch = compile_watch(self._model)
        if watch is not None:  # the status bar says "Compiling" while torch compiles for a new size
            watch.listener = lambda starting: self.progress.emit(job.id, "compile", 0 if starting else 1, 1)
        control = JobControl(on_progress=on_progress, cancel=job.cancel)
        result = engine.run(job.request, control)
        if job.check_inversion:
            self.inversion_checked.emit(job.id, *self._check_inversion(job.request, result, control))
        job.cancel.raise_if_cancelled()
        if job.plan is None:
            return result
        from gui.edit_results import prepare_result

        return prepare_result(job.plan, job.request, result, self._model.model_id, self._model.revision)

    def _check_inversion(self, request, result, control) -> tuple[str, QImage]:
        """The inversion check of a photo edit: its one-line summary and the reconstruction (or why there is none)."""
        from core.methods.inversion_check import check_inversion
        from gui.images import to_qimage

        if request.image is None or result.source_trajectory is None:
            return ("Inversion check: only photo edits that invert the photo (Stable Flow, ODE inversion) have one",
                    QImage())
        check = check_inversion(self._model, result.source_trajectory, request.image,
                                max_sequence_length=request.max_sequence_length, control=control)
        return check.summary(), to_qimage(check.reconstruction)

    def _engine_with_model(self, job: CaptionJob | BatchJob):
        job.cancel.raise_if_cancelled()  # cancelled while it waited in the queue
        self._ensure_model(job.id, job.model)
        return self._engine_for(job.cache)

    def _run_caption(self, job: CaptionJob) -> str:
        from core.model.captioning import shared_captioner

        engine = self._engine_with_model(job)
        return shared_captioner(job.caption_model, engine.model.device, offline=True)(job.image)

    def _run_batch(self, job: BatchJob) -> Any:
        """Edit the batch's photos; each finished photo is reported as it ends (``batch_photo``)."""
        import copy

        from core.api.progress import JobControl
        from core.batch.report import REPORT_NAME
        from core.batch.runner import BatchRunner

        engine = self._engine_with_model(job)
        sources = copy.copy(job.sources)  # the job stays as it was submitted
        if sources.needs_captioner:
            from core.model.captioning import shared_captioner

            sources.captioner = shared_captioner(sources.captioner_id, engine.model.device, offline=True)
        runner = BatchRunner(engine, job.recipe, sources, job.output, speed=job.model.speed)
        return runner.run(list(job.photos), job.output / REPORT_NAME, bases=dict(job.bases),
                          control=JobControl(cancel=job.cancel),
                          on_photo=lambda index, result: self.batch_photo.emit(job.id, index, result))

    def _free_memory(self) -> None:
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:
            pass

"""The UI side of the engine worker: owns its thread, hands out job ids, filters stale results.

Results, progress and previews are forwarded only for jobs the host still tracks; a job
that was forgotten (its session closed, or a newer job replaced it) is ignored when it
reports. ``cancel`` sets the job's CancelToken directly (thread-safe), never through a
queued slot, so it takes effect within one step.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Optional

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtGui import QImage

from gui.jobs import Job, ModelChoice
from gui.method_catalog import MethodCatalog
from gui.worker import EngineWorker

SHUTDOWN_WAIT_MS = 60_000


class EngineHost(QObject):
    """Starts the worker thread and relays its signals for live jobs only."""

    engine_ready = Signal()
    engine_failed = Signal(str)
    model_loading = Signal(int, str)
    model_ready = Signal(int, str)
    token_counter = Signal(object)
    progress = Signal(int, str, int, int)
    preview = Signal(int, QImage)
    finished = Signal(int, object)
    failed = Signal(int, str)
    cancelled = Signal(int)
    inversion_checked = Signal(int, str, QImage)  # job id, one-line summary, reconstruction
    batch_photo = Signal(int, int, object)  # job id, index in the batch, core.batch.report.PhotoResult
    _submit = Signal(object)

    def __init__(self, model_loader: Optional[Callable[[ModelChoice], Any]] = None,
                 parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.catalog: Optional[MethodCatalog] = None
        self._ids = itertools.count(1)
        self._live: dict[int, Any] = {}  # job id -> job
        self._thread = QThread()
        self._thread.setObjectName("engine-worker")
        self._worker = EngineWorker(model_loader) if model_loader else EngineWorker()
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.start_engine)
        self._thread.finished.connect(self._worker.deleteLater)
        self._submit.connect(self._worker.run_job)
        worker = self._worker
        worker.engine_ready.connect(self._on_engine_ready)
        worker.engine_failed.connect(self.engine_failed)
        # Every worker signal goes to a slot of this object (UI thread), so it is queued.
        worker.model_loading.connect(self._on_model_loading)
        worker.model_ready.connect(self._on_model_ready)
        worker.token_counter.connect(self._on_token_counter)
        worker.progress.connect(self._on_progress)
        worker.preview.connect(self._on_preview)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        worker.inversion_checked.connect(self._on_inversion_checked)
        worker.batch_photo.connect(self._on_batch_photo)

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker thread; it imports the engine and then emits ``engine_ready``."""
        self._thread.start()

    @property
    def is_ready(self) -> bool:
        """Whether the engine was imported and the method catalog is known."""
        return self.catalog is not None

    def shutdown(self) -> None:
        """Cancel every job and stop the thread (waits for the running step to end)."""
        for job_id in list(self._live):
            self.cancel(job_id)
        self._live.clear()
        self._thread.quit()
        self._thread.wait(SHUTDOWN_WAIT_MS)

    # -- jobs ------------------------------------------------------------------------------
    def new_job_id(self) -> int:
        """A fresh job id."""
        return next(self._ids)

    def new_cancel_token(self):
        """A CancelToken for an edit job (only once the engine is ready: it imports core.api.progress)."""
        from core.api.progress import CancelToken

        return CancelToken()

    def submit(self, job: Job) -> int:
        """Queue ``job`` on the worker; returns its id."""
        self._live[job.id] = job
        self._submit.emit(job)
        return job.id

    def cancel(self, job_id: int) -> None:
        """Ask job ``job_id`` to stop at its next step (does nothing for a load job)."""
        token = getattr(self._live.get(job_id), "cancel", None)
        if token is not None:
            token.cancel()

    def forget(self, job_id: int) -> None:
        """Stop tracking a job: whatever it reports later is ignored. Cancels it too."""
        self.cancel(job_id)
        self._live.pop(job_id, None)

    def is_live(self, job_id: int) -> bool:
        """Whether ``job_id`` was submitted and has not reported its end or been forgotten."""
        return job_id in self._live

    # -- relays ----------------------------------------------------------------------------
    @Slot(int, str)
    def _on_model_loading(self, job_id: int, what: str) -> None:
        if job_id in self._live:
            self.model_loading.emit(job_id, what)

    @Slot(int, str)
    def _on_model_ready(self, job_id: int, description: str) -> None:
        if job_id in self._live:
            self.model_ready.emit(job_id, description)

    @Slot(object)
    def _on_token_counter(self, counter: object) -> None:
        self.token_counter.emit(counter)

    @Slot(int, int, object)
    def _on_batch_photo(self, job_id: int, index: int, result: object) -> None:
        if job_id in self._live:
            self.batch_photo.emit(job_id, index, result)

    @Slot(int, str, int, int)
    def _on_progress(self, job_id: int, phase: str, step: int, total: int) -> None:
        if job_id in self._live:
            self.progress.emit(job_id, phase, step, total)

    @Slot(int, QImage)
    def _on_preview(self, job_id: int, image: QImage) -> None:
        if job_id in self._live:
            self.preview.emit(job_id, image)

    @Slot(int, str, QImage)
    def _on_inversion_checked(self, job_id: int, summary: str, reconstruction: QImage) -> None:
        if job_id in self._live:
            self.inversion_checked.emit(job_id, summary, reconstruction)

    @Slot(object)
    def _on_engine_ready(self, catalog: MethodCatalog) -> None:
        self.catalog = catalog
        self.engine_ready.emit()

    @Slot(int, object)
    def _on_finished(self, job_id: int, payload: object) -> None:
        if self._live.pop(job_id, None) is not None:
            self.finished.emit(job_id, payload)

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        if self._live.pop(job_id, None) is not None:
            self.failed.emit(job_id, message)

    @Slot(int)
    def _on_cancelled(self, job_id: int) -> None:
        if self._live.pop(job_id, None) is not None:
            self.cancelled.emit(job_id)

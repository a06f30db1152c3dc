"""Slow file work (decoding a huge photo, loading or saving a project, exporting) on its own thread.

The engine worker may be busy with an edit for minutes, so files get a second, small
thread. A task is a plain function; its return value or exception comes back to the UI
thread, where the callback given with it runs. Tasks run one at a time, in order.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Optional

from PySide6.QtCore import QObject, QThread, Signal, Slot

SHUTDOWN_WAIT_MS = 60_000


class _FileWorker(QObject):
    """Runs tasks on the thread it was moved to."""

    done = Signal(int, object, object)  # task id, result, exception (or None)

    @Slot(int, object)
    def run(self, task_id: int, task: Callable[[], Any]) -> None:
        try:
            result = task()
        except BaseException as error:  # noqa: BLE001 (handed to the UI thread's callback)
            self.done.emit(task_id, None, error)
        else:
            self.done.emit(task_id, result, None)


class FileJobs(QObject):
    """Queues file tasks on a worker thread; ``busy_changed`` says when work starts and stops."""

    busy_changed = Signal(bool, str)  # busy, what is being done
    _submit = Signal(int, object)

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[str, Callable[[Any, Optional[BaseException]], None]]] = {}
        self._thread = QThread()
        self._thread.setObjectName("file-io")
        self._worker = _FileWorker()
        self._worker.moveToThread(self._thread)
        self._thread.finished.connect(self._worker.deleteLater)
        self._submit.connect(self._worker.run)
        self._worker.done.connect(self._on_done)
        self._thread.start()

    @property
    def busy(self) -> bool:
        """Whether a task is queued or running."""
        return bool(self._pending)

    def run(self, what: str, task: Callable[[], Any],
            then: Callable[[Any, Optional[BaseException]], None]) -> int:
        """Run ``task()`` on the file thread; ``then(result, error)`` runs on the UI thread after."""
        task_id = next(self._ids)
        self._pending[task_id] = (what, then)
        self.busy_changed.emit(True, what)  # the newest work is what the user just asked for
        self._submit.emit(task_id, task)
        return task_id

    @Slot(int, object, object)
    def _on_done(self, task_id: int, result: Any, error: Optional[BaseException]) -> None:
        _what, then = self._pending.pop(task_id)
        try:
            then(result, error)
        finally:
            if self._pending:
                self.busy_changed.emit(True, list(self._pending.values())[-1][0])
            else:
                self.busy_changed.emit(False, "")

    def shutdown(self) -> None:
        """Finish the queued tasks and stop the thread."""
        self._thread.quit()
        self._thread.wait(SHUTDOWN_WAIT_MS)

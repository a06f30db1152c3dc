"""The editor's state plus its actions, between the widgets and the engine worker.

Widgets call actions (open, edit, cancel, go to a node, delete a branch, save...) and
redraw from this object's signals. Tree changes go through the ``QUndoStack`` as
:class:`~gui.undo_commands.OperationCommand` s; the session's tree tells every view what
changed. Edits become frozen jobs for the worker; only the cancel flag reaches a running
job. The session (core.session, which imports torch) is created once the worker has
imported the engine, so nothing here imports torch before the window shows.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QImage, QUndoStack

from core.errors import UserError
from gui.autosave_prewrite import prewrite_results
from gui.edit_settings import EditSettings
from gui.engine_host import EngineHost
from gui.error_messages import describe_error
from gui.eta import EtaEstimator, describe_progress
from gui.jobs import CacheChoice, EditJob, LoadModelJob, ModelChoice
from gui.prompt_history import PromptHistory
from gui.settings import AppSettings, save_settings
from gui.undo_commands import OperationCommand

NO_MODEL = "No model chosen yet: choose one in Model ▸ Set up model… (the tiny demo model needs no download)."
ENGINE_STARTING = "The editing engine is still starting; try again in a moment."


@dataclass(frozen=True)
class GeneratedStart:
    """A finished generated-start job: the UI thread makes its source the new root."""

    request: Any
    result: Any
    model_id: str
    model_revision: Optional[str]


class EditorController(QObject):
    """Holds the session, the undo stack, the prompt history and the engine host."""

    engine_ready = Signal()
    model_status = Signal(str)
    error = Signal(str)  # open/save/export problems, shown in the window's notice bar
    notice = Signal(str)  # short status-bar messages
    session_replaced = Signal()
    tree_changed = Signal(str, object)  # tree event ("added", "removed", "current", "reset"), node id
    busy_changed = Signal(bool)
    edit_progress = Signal(str, int, int)  # text, step, total
    edit_preview = Signal(QImage)
    edit_finished = Signal(list)  # ids of the new nodes
    edit_failed = Signal(str)
    edit_cancelled = Signal()
    autosave_found = Signal(str)  # folder of a crashed session's autosave
    prompts_changed = Signal()

    def __init__(self, settings: AppSettings, host: Optional[EngineHost] = None,
                 prompts: Optional[PromptHistory] = None, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.host = host or EngineHost()
        self.host.setParent(self)
        self.prompts = prompts or PromptHistory()
        self.undo_stack = QUndoStack(self)
        self.session = None
        self._edit_job: Optional[int] = None
        self._load_job: Optional[int] = None
        self._hf_token: Optional[str] = None
        self._eta = EtaEstimator()
        self._ready: Optional[asyncio.Future] = None
        self.host.engine_ready.connect(self._on_engine_ready)
        self.host.engine_failed.connect(self._on_engine_failed)
        self.host.model_loading.connect(self._on_model_loading)
        self.host.model_ready.connect(self._on_model_ready)
        self.host.progress.connect(self._on_progress)
        self.host.preview.connect(self._on_preview)
        self.host.finished.connect(self._on_finished)
        self.host.failed.connect(self._on_failed)
        self.host.cancelled.connect(self._on_cancelled)

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker; it imports the engine in the background."""
        self.model_status.emit("Starting the editing engine…")
        self.host.start()

    async def ready(self) -> None:
        """Wait until the engine is imported and the session exists."""
        if self.session is not None:
            return
        if self._ready is None:
            self._ready = asyncio.get_running_loop().create_future()
        await self._ready

    def shutdown(self) -> None:
        """Stop the worker and close the session cleanly (its autosave is removed)."""
        self.host.shutdown()
        if self.session is not None:
            self.session.tree.remove_listener(self._on_tree_event)
            self.session.close()

    @property
    def busy(self) -> bool:
        """Whether an edit is running."""
        return self._edit_job is not None

    @property
    def tree(self):
        """The session's edit tree (None until the engine is ready)."""
        return self.session.tree if self.session is not None else None

    @property
    def is_modified(self) -> bool:
        """Whether the session has changes that were not saved as a project."""
        return not self.undo_stack.isClean()

    @Slot()
    def _on_engine_ready(self) -> None:
        from core.session.autosave import find_autosave

        self._replace_session()
        folder = find_autosave()
        if folder is not None:
            self.autosave_found.emit(str(folder))
        if self.settings.model:
            self.load_model()
        else:
            self.model_status.emit("No model")
        if self._ready is not None and not self._ready.done():
            self._ready.set_result(None)
        self.engine_ready.emit()

    @Slot(str)
    def _on_engine_failed(self, message: str) -> None:
        self.model_status.emit("Engine unavailable")
        self.error.emit(message)

    def _replace_session(self, fill: Optional[Callable[[Any], None]] = None) -> bool:
        """Start a new session, filled by ``fill(session)`` (open a photo, load a project...).

        The current session is only closed once the new one is filled, so a photo or project
        that cannot be read leaves the user's work as it was (and False is returned).
        """
        from core.session.autosave import Autosave
        from core.session.session_editing import EditSession

        session = EditSession(autosave=Autosave(on_error=self.error.emit))
        try:
            if fill is not None:
                fill(session)
        except UserError as error:
            session.close()
            self.error.emit(str(error))
            return False
        if self.session is not None:
            self.session.tree.remove_listener(self._on_tree_event)
            self.session.close()
        self._forget_edit()
        self.session = session
        session.tree.add_listener(self._on_tree_event)
        self.undo_stack.clear()
        self.session_replaced.emit()
        return True

    def _on_tree_event(self, event: str, node_id: Optional[str]) -> None:
        self.tree_changed.emit(event, node_id)

    # -- model ---------------------------------------------------------------------------
    def model_choice(self) -> Optional[ModelChoice]:
        """The model the settings name (None when none was chosen)."""
        s = self.settings
        if not s.model:
            return None
        return ModelChoice(s.model, s.device, s.precision, s.memory_mode, s.weights, kv_cache_gb=s.kv_cache_gb,
                           hf_token=self._hf_token)

    def set_model(self, model: str, hf_token: Optional[str] = None) -> None:
        """Use ``model`` from now on (saved in the settings; the token stays in memory only)."""
        self.settings.model = model
        self._hf_token = hf_token or None
        save_settings(self.settings)
        if self.host.is_ready:
            self.load_model()

    def load_model(self) -> None:
        """Load the chosen model on the worker now, so the first edit starts at once."""
        choice = self.model_choice()
        if choice is None:
            return
        job = LoadModelJob(self.host.new_job_id(), choice)
        self._load_job = job.id
        self.host.submit(job)

    @Slot(int, str)
    def _on_model_loading(self, job_id: int, model: str) -> None:
        self.model_status.emit(f"Loading {model}…")

    @Slot(int, str)
    def _on_model_ready(self, job_id: int, description: str) -> None:
        self.model_status.emit(description)

    # -- opening and saving --------------------------------------------------------------
    def open_photo(self, path: str | Path) -> bool:
        """Start a new session from a photo; False (and an error line) when it cannot be read."""
        if not self._check_ready(self.error) or not self._replace_session(lambda session: session.open_photo(path)):
            return False
        self._remember_file(path)
        return True

    def new_session(self) -> None:
        """Start over with nothing open: the next edit generates its source from the prompt."""
        if self._check_ready(self.error):
            self._replace_session()

    def open_project(self, path: str | Path) -> bool:
        """Replace the session with a saved project."""
        if not self._check_ready(self.error) or not self._replace_session(lambda session: session.load(path)):
            return False
        self._remember_file(path)
        return True

    def _remember_file(self, path: str | Path) -> None:
        self.settings.add_recent_file(path)
        save_settings(self.settings)

    def save_project(self, path: str | Path) -> bool:
        """Save the session as a project; the undo stack is marked clean."""
        try:
            self.session.save(path)
        except (UserError, OSError) as error:
            self.error.emit(f"Could not save the project: {describe_error(error)}")
            return False
        self.undo_stack.setClean()
        self._remember_file(path)
        self.notice.emit(f"Saved {Path(path).name}")
        return True

    def restore_autosave(self, folder: str | Path) -> bool:
        """Replace the session with a crashed session's autosave."""
        if not self._check_ready(self.error) or \
                not self._replace_session(lambda session: session.restore_autosave(Path(folder))):
            return False
        self.notice.emit("Restored the unsaved session")
        return True

    def discard_autosave(self, folder: str | Path) -> None:
        """Delete a crashed session's autosave the user does not want back."""
        from core.session.autosave import discard_autosave

        discard_autosave(Path(folder))

    def export_node(self, node_id: str, path: str | Path) -> bool:
        """Export a node's image (PNG, JPEG or WebP, at the photo's original size) with its recipe."""
        from core.session.export import export_node

        try:
            export_node(self.session.tree, node_id, path, original_size=True)
        except (UserError, OSError) as error:
            self.error.emit(f"Could not export: {describe_error(error)}")
            return False
        self.notice.emit(f"Exported {Path(path).name}")
        return True

    # -- tree operations -----------------------------------------------------------------
    def set_current(self, node_id: str) -> None:
        """Show ``node_id`` and make it the node the next edit starts from (undoable)."""
        from core.session.operations import SetCurrent

        tree = self.tree
        if tree is not None and node_id != tree.current_id:
            self._push(SetCurrent(node_id))

    def delete_branch(self, node_id: str) -> None:
        """Hide a node and everything made from it (undoable)."""
        from core.session.operations import DeleteBranch

        self._push(DeleteBranch(node_id))

    def _push(self, operation) -> bool:
        try:
            operation.apply(self.session.tree)
        except UserError as error:
            self.error.emit(str(error))
            return False
        self.undo_stack.push(OperationCommand(operation, self.session.tree, applied=True))
        return True

    # -- editing -------------------------------------------------------------------------
    def _check_ready(self, channel: Signal) -> bool:
        if self.session is None:
            channel.emit(ENGINE_STARTING)
            return False
        return True

    def start_kind(self) -> tuple[str, Optional[int]]:
        """How the next edit starts ("generated" when nothing is open, "photo" or "result"), and
        for a result the step count its trajectory fixes."""
        tree = self.tree
        if tree is None or tree.current_id is None:
            return "generated", None
        node = tree.node(tree.current_id)
        trajectory = tree.trajectory(node.id)
        if trajectory is not None and trajectory.prompt == node.prompt:
            return "result", trajectory.num_steps
        return "photo", None

    def run_edit(self, edit: EditSettings) -> Optional[int]:
        """Submit an edit of the current node (or a generated start); returns the job id."""
        if self.busy or not self._check_ready(self.edit_failed):
            return None
        choice = self.model_choice()
        if choice is None:
            self.edit_failed.emit(NO_MODEL)
            return None
        try:
            request, finish = self._build(edit)
        except UserError as error:
            self.edit_failed.emit(str(error))
            return None
        self._record_prompts(edit)
        s = self.settings
        cache = CacheChoice(s.cache_root(), max(1, int(s.cache_size_gb * 1000**3)))
        job = EditJob(self.host.new_job_id(), choice, cache, request, self.host.new_cancel_token(), finish)
        self._edit_job = job.id
        self._eta = EtaEstimator()
        self.host.submit(job)
        self.busy_changed.emit(True)
        return job.id

    def _build(self, edit: EditSettings):
        session = self.session
        tree = session.tree
        if tree.current_id is None:
            request = session.generation_request(
                edit.source_prompt, edit.edit_prompts, method=edit.method, params=edit.params, seed=edit.seed,
                height=edit.height, width=edit.width, max_sequence_length=edit.max_sequence_length)
            return request, lambda result, model: GeneratedStart(request, result, model.model_id, model.revision)
        node_id = tree.current_id
        request = session.build_request(node_id, edit.edit_prompts, edit.method, edit.params, edit.seed,
                                        source_prompt=edit.source_prompt,
                                        max_sequence_length=edit.max_sequence_length)
        autosave_folder = session.autosave.folder

        def finish(result, model):  # on the worker thread
            operation = session.add_result(node_id, request, result, model.model_id, model.revision)
            prewrite_results(autosave_folder, operation)
            return operation

        return request, finish

    def _record_prompts(self, edit: EditSettings) -> None:
        self.prompts.record(edit.source_prompt, "source")
        for prompt in edit.edit_prompts:
            self.prompts.record(prompt, "edit")
        self.prompts_changed.emit()

    def cancel(self) -> None:
        """Ask the running edit to stop; it ends within one step (``edit_cancelled`` follows)."""
        if self._edit_job is not None:
            self.host.cancel(self._edit_job)
            self.notice.emit("Cancelling…")

    def _forget_edit(self) -> None:
        if self._edit_job is not None:
            self.host.forget(self._edit_job)
            self._edit_job = None
            self.busy_changed.emit(False)

    @Slot(int, str, int, int)
    def _on_progress(self, job_id: int, phase: str, step: int, total: int) -> None:
        if job_id == self._edit_job:
            self.edit_progress.emit(describe_progress(phase, step, total, self._eta.update(phase, step, total)),
                                    step, total)

    @Slot(int, QImage)
    def _on_preview(self, job_id: int, image: QImage) -> None:
        if job_id == self._edit_job:
            self.edit_preview.emit(image)

    @Slot(int, object)
    def _on_finished(self, job_id: int, payload: object) -> None:
        if job_id == self._load_job:
            self._load_job = None
        if job_id != self._edit_job:
            return
        self._edit_job = None
        self.busy_changed.emit(False)
        if isinstance(payload, GeneratedStart):
            self.undo_stack.clear()
            operation = self.session.begin_generated(payload.request, payload.result, payload.model_id,
                                                     payload.model_revision)
        else:
            operation = payload
        try:
            operation.apply(self.session.tree)
        except UserError as error:  # e.g. its parent was deleted while it ran
            self.edit_failed.emit(str(error))
            return
        self.undo_stack.push(OperationCommand(operation, self.session.tree, applied=True))
        self.edit_finished.emit([node.id for node in operation.nodes])

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        if job_id == self._load_job:
            self._load_job = None
            self.model_status.emit("Model not loaded")
            self.error.emit(message)
        if job_id == self._edit_job:
            self._edit_job = None
            self.busy_changed.emit(False)
            self.edit_failed.emit(message)

    @Slot(int)
    def _on_cancelled(self, job_id: int) -> None:
        if job_id == self._edit_job:
            self._edit_job = None
            self.busy_changed.emit(False)
            self.edit_cancelled.emit()
            self.notice.emit("Edit cancelled")

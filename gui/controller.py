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
import gc
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Optional

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QImage, QUndoStack

from core.api.errors import UserError
from gui.edit_results import GeneratedStart, ResultPlan
from gui.edit_settings import EditSettings
from gui.engine_host import EngineHost
from gui.file_jobs import FileJobs
from gui.history_model import row_layout
from gui.images import tree_thumbnails
from gui.error_messages import describe_error
from gui.eta import JobProgress, describe_progress, plan_phases
from gui.jobs import CacheChoice, EditJob, LoadModelJob, ModelChoice
from gui.prompt_history import PromptHistory
from gui.settings import AppSettings, save_settings, save_settings_unless_saved_since, settings_saved_count
from gui.undo_commands import OperationCommand

_libraries_frozen = False


def _freeze_libraries() -> None:
    """Once per process, after the engine's import: its libraries (torch, diffusers,
    transformers) are a million long-lived objects, and Python's full garbage collection scans
    them all, holding every thread for a tenth of a second or more, whenever loading a big
    project allocates enough. Frozen, they are skipped (they live as long as the process)."""
    global _libraries_frozen
    if not _libraries_frozen:
        gc.freeze()
        _libraries_frozen = True


NO_MODEL = "No model chosen yet: choose one in Model ▸ Set up model… (the demo model needs no download)."
SAVING = "The project is being saved: delete once it is (a moment)."
BUSY = "An edit is already running: wait for it to finish, or press Cancel first."
ENGINE_STARTING = "The editing engine is still starting; try again in a moment."
PREVIEW_NEEDS_IMAGE = ("A fast preview edits an open photo or result: turn Fast preview off to generate the image "
                       "(the next edits start from it at full quality).")
NOT_A_PREVIEW = "Only a fast preview can be rendered at full quality: choose a result labelled Preview."


class EditorController(QObject):
    """Holds the session, the undo stack, the prompt history and the engine host."""

    engine_ready = Signal()
    model_status = Signal(str)
    error = Signal(str)  # open/save/export problems, shown in the window's notice bar
    notice = Signal(str)  # short status-bar messages
    inversion_checked = Signal(str, QImage)  # after an edit with Check Inversion: summary, reconstruction
    session_replaced = Signal()
    tree_changed = Signal(str, object)  # tree event ("added", "removed", "current", "reset"), node id
    busy_changed = Signal(bool)
    edit_progress = Signal(str, int, int)  # text, step, total
    edit_preview = Signal(QImage)
    edit_finished = Signal(list)  # ids of the new nodes
    edit_failed = Signal(str)
    edit_cancelled = Signal()
    autosave_found = Signal(str)  # folder of a crashed session's autosave
    opened = Signal(str, bool)  # a photo, project or autosave: path, whether it opened
    saved = Signal(str, bool)  # project path, whether it was saved
    exported = Signal(str, bool)  # image path, whether it was written
    prompts_changed = Signal()

    def __init__(self, settings: AppSettings, host: Optional[EngineHost] = None,
                 prompts: Optional[PromptHistory] = None, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.host = host or EngineHost()
        self.host.setParent(self)
        self.prompts = prompts or PromptHistory()
        self.undo_stack = QUndoStack(self)
        self.files = FileJobs(self)
        self.prepared_thumbnails: dict = {}  # a just-opened session's thumbnails, made on the file thread
        self.prepared_rows = None  # and its history rows (gui.history_model.RowLayout)
        self._saving = 0  # project saves running: finished results wait for them (the tree is being read)
        self._deferred_results: list[Any] = []
        # Of the last finished edit: the share of steps replayed from the re-edit K/V memory.
        self.last_kv_replay_share = 0.0
        self.session = None
        self._edit_job: Optional[int] = None
        self._cancelling = False
        # Pressed Edit while the running one was cancelling: the edit and the node it starts from (None: current).
        self._queued_edit: Optional[tuple[EditSettings, Optional[str]]] = None
        self.check_inversion = False  # Edit > Check Inversion of Photos
        self._inversion_check: Optional[tuple[str, QImage]] = None
        self._load_job: Optional[int] = None
        self._hf_token: Optional[str] = None
        self._progress = JobProgress([])
        self._ready: Optional[asyncio.Future] = None
        # Results (from edits, undo, a restore...) that no saved project holds yet.
        self._unsaved_results = False
        self.host.engine_ready.connect(self._on_engine_ready)
        self.host.engine_failed.connect(self._on_engine_failed)
        self.host.model_loading.connect(self._on_model_loading)
        self.host.model_ready.connect(self._on_model_ready)
        self.host.progress.connect(self._on_progress)
        self.host.preview.connect(self._on_preview)
        self.host.finished.connect(self._on_finished)
        self.host.failed.connect(self._on_failed)
        self.host.cancelled.connect(self._on_cancelled)
        self.host.inversion_checked.connect(self._on_inversion_checked)

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
        self.files.shutdown()
        if self.session is not None:
            self.session.tree.remove_listener(self._on_tree_event)
            self.session.close(wait=False)

    @property
    def loading_model(self) -> bool:
        """Whether a model load job is queued or running."""
        return self._load_job is not None

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
        """Whether the session has changes that were not saved as a project: any result added
        or removed since the last save (undone ones included: they stay in the tree), a
        restored autosave, or undoable steps."""
        return self._unsaved_results or not self.undo_stack.isClean()

    def undone_node_ids(self) -> frozenset:
        """Results whose edit was undone (they stay in the tree as branches until redone)."""
        if self.session is None:  # nothing to undo yet (and core, which imports torch, may not be loaded)
            return frozenset()
        from core.session.operations import AddNodes

        stack = self.undo_stack
        undone = set()
        for index in range(stack.index(), stack.count()):
            operation = getattr(stack.command(index), "operation", None)
            if isinstance(operation, AddNodes):
                undone.update(node.id for node in operation.nodes)
        return frozenset(undone)

    def mark_saved(self) -> None:
        """Treat the session as saved (after a save, or when the user chose to discard it)."""
        self._unsaved_results = False
        self.undo_stack.setClean()

    @Slot()
    def _on_engine_ready(self) -> None:
        from core.session.autosave import find_autosave

        _freeze_libraries()
        self._replace_session()
        folder = find_autosave(wait=False)
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

    def _replace_session(self, fill: Optional[Callable[[Any], None]] = None, unsaved: bool = False,
                         what: str = "", path: str | Path = "", recent: bool = False) -> None:
        """Start a new session, filled by ``fill(session)`` (open a photo, load a project...).

        Filling (decoding, loading) runs on the file thread; ``opened(path, ok)`` follows. The
        current session is only closed once the new one is filled, so a photo or project that
        cannot be read leaves the user's work as it was. ``unsaved`` says whether the new
        session holds results no project file has (a restore); ``recent`` adds ``path`` to
        the recent files.
        """
        from core.session.autosave import Autosave
        from core.session.session_editing import EditSession

        def make():
            session = EditSession(autosave=Autosave(on_error=self.error.emit))
            try:
                if fill is not None:
                    fill(session)
            except BaseException:
                session.close()
                raise
            return session

        if fill is None:
            self._install_session(make(), unsaved)
            return

        def make_with_thumbnails():
            session = make()
            return session, tree_thumbnails(session.tree), row_layout(session.tree)

        def then(made, error: Optional[BaseException]) -> None:
            if error is not None:
                self.error.emit(describe_error(error))
                self.opened.emit(str(path), False)
                return
            session, self.prepared_thumbnails, self.prepared_rows = made
            self._install_session(session, unsaved)
            if recent:
                self._remember_file(path)
            self.opened.emit(str(path), True)

        self.files.run(what, make_with_thumbnails, then)

    def _install_session(self, session, unsaved: bool) -> None:
        if self.session is not None:
            self.session.tree.remove_listener(self._on_tree_event)
            self.session.close(wait=False)  # a big project's autosave is deleted in the background
        self._forget_edit()
        self._deferred_results.clear()  # results of the session the user chose to replace
        self.session = session
        session.tree.add_listener(self._on_tree_event)
        self.undo_stack.clear()
        self._unsaved_results = unsaved
        self.session_replaced.emit()

    def _on_tree_event(self, event: str, node_id: Optional[str]) -> None:
        if event == "draft":
            return  # a painted mask: the mask editor set it, and the undo stack marks it unsaved
        if event in ("added", "removed"):
            self._unsaved_results = True
        self.tree_changed.emit(event, node_id)

    # -- model ---------------------------------------------------------------------------
    def model_choice(self) -> Optional[ModelChoice]:
        """The model the settings name (None when none was chosen)."""
        s = self.settings
        if not s.model:
            return None
        from core.model.speed_options import speed_config

        return ModelChoice(s.model, s.device, s.precision, s.memory_mode, s.weights, kv_cache_gb=s.kv_cache_gb,
                           speed=speed_config(s.compile_transformer, s.attention_backend), hf_token=self._hf_token)

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
        """Start a new session from a photo (decoded off the UI thread; ``opened`` follows).
        False when the engine is not ready yet."""
        if not self._check_ready(self.error):
            return False
        self._replace_session(lambda session: session.open_photo(path), what=f"Opening {Path(path).name}…",
                              path=path, recent=True)
        return True

    def new_session(self) -> None:
        """Start over with nothing open: the next edit generates its source from the prompt."""
        if self._check_ready(self.error):
            self._replace_session()

    def open_project(self, path: str | Path) -> bool:
        """Replace the session with a saved project (loaded off the UI thread; ``opened`` follows)."""
        if not self._check_ready(self.error):
            return False
        self._replace_session(lambda session: session.load(path), what=f"Opening {Path(path).name}…",
                              path=path, recent=True)
        return True

    def _remember_file(self, path: str | Path) -> None:
        self.settings.add_recent_file(path)
        snapshot = replace(self.settings, recent_files=list(self.settings.recent_files))
        queued_after = settings_saved_count()
        # Written on the file thread: its fsync can take tens of milliseconds on a busy disk. A
        # save since then (Settings ▸ OK right after opening a photo) already holds this recent
        # file and newer values, which this older copy would put back: then it is not written.
        self.files.run("Saving the recent files…", lambda: save_settings_unless_saved_since(snapshot, queued_after),
                       lambda _result, _error: None)

    def save_project(self, path: str | Path) -> bool:
        """Save the session as a project off the UI thread; ``saved(path, ok)`` follows, and on
        success the session counts as saved. Results that finish meanwhile are added after."""
        session = self.session
        if session is None:
            return False
        self._saving += 1

        def then(_result, error: Optional[BaseException]) -> None:
            self._saving -= 1
            if error is not None:
                self.error.emit(f"Could not save the project: {describe_error(error)}")
            elif session is self.session:
                self.mark_saved()
                self._remember_file(path)
                self.notice.emit(f"Saved {Path(path).name}")
            self.saved.emit(str(path), error is None)
            self._apply_deferred_results()

        self.files.run(f"Saving {Path(path).name}…", lambda: session.save(path), then)
        return True

    def restore_autosave(self, folder: str | Path) -> bool:
        """Replace the session with a crashed session's autosave (``opened`` follows)."""
        if not self._check_ready(self.error):
            return False
        self._replace_session(lambda session: session.restore_autosave(Path(folder)), unsaved=True,
                              what="Restoring the unsaved session…", path=folder)
        return True

    def discard_autosave(self, folder: str | Path) -> None:
        """Delete a crashed session's autosave the user does not want back."""
        from core.session.autosave import discard_autosave

        discard_autosave(Path(folder))

    def export_node(self, node_id: str, path: str | Path, original_size: bool = True, quality: int = 95) -> bool:
        """Export a node's image (PNG, JPEG or WebP; at the photo's original size or the working
        size) with its recipe, off the UI thread; ``exported(path, ok)`` follows."""
        from core.session.export import export_node

        tree = self.session.tree

        def then(_result, error: Optional[BaseException]) -> None:
            if error is not None:
                self.error.emit(f"Could not export: {describe_error(error)}")
            else:
                self.notice.emit(f"Exported {Path(path).name}")
            self.exported.emit(str(path), error is None)

        self.files.run(f"Exporting {Path(path).name}…",
                       lambda: export_node(tree, node_id, path, original_size=original_size, quality=quality), then)
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

        if self._saving:
            self.error.emit(SAVING)
            return
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

    def start_kind(self, source_prompt: Optional[str] = None) -> tuple[str, Optional[int]]:
        """How the next edit starts ("generated" when nothing is open, "photo" or "result"), and
        for a result the step count its trajectory has. A result whose description
        ``source_prompt`` differs from its own prompt is edited like a photo."""
        tree = self.tree
        if tree is None or tree.current_id is None:
            return "generated", None
        node = tree.node(tree.current_id)
        summary = tree.trajectory_summary(node.id)  # never a spilled trajectory's 25-50 MB read on this thread
        prompt = node.prompt if source_prompt is None else source_prompt.strip()
        if summary is not None and summary[0] == prompt:
            return "result", summary[1]
        return "photo", None

    def resolved_params(self, edit: EditSettings) -> Optional[dict[str, Any]]:
        """The method parameters the engine will run ``edit`` with (UserError when it would
        refuse them; None before the engine is ready). The request is built exactly as
        :meth:`run_edit` builds it."""
        if self.session is None:
            return None
        from core.methods.registry import get_method

        request, _plan = self._build(edit)
        return get_method(request.method).resolve_params(request)

    def run_edit(self, edit: EditSettings, node_id: Optional[str] = None) -> Optional[int]:
        """Submit an edit of ``node_id`` (default: the current node, or a generated start when
        nothing is open); returns the job id.

        While a cancelled edit is still stopping, the new one is queued and starts as soon as
        it has; while another edit runs, it is refused with the reason.
        """
        if self.busy:
            if self._cancelling:
                self._queued_edit = (edit, node_id)
                self.notice.emit("The new edit starts as soon as the cancelled one has stopped")
            else:
                self.edit_failed.emit(BUSY)
            return None
        if not self._check_ready(self.edit_failed):
            return None
        choice = self.model_choice()
        if choice is None:
            self.edit_failed.emit(NO_MODEL)
            return None
        try:
            request, plan = self._build(edit, node_id)
        except UserError as error:
            self.edit_failed.emit(str(error))
            return None
        self._record_prompts(edit)
        s = self.settings
        cache = CacheChoice(s.cache_root(), max(1, int(s.cache_size_gb * 1000**3)))
        job = EditJob(self.host.new_job_id(), choice, cache, request, self.host.new_cancel_token(), plan,
                      check_inversion=self.check_inversion)
        self._inversion_check = None
        self._edit_job = job.id
        self._progress = JobProgress(self._plan(request))
        self.host.submit(job)
        self.busy_changed.emit(True)
        return job.id

    def _plan(self, request) -> list[tuple[str, int]]:
        from core.methods.registry import get_method

        kind = "photo" if request.image is not None else "result" if request.source is not None else "generated"
        try:
            steps = int(get_method(request.method).resolve_params(request).get("steps", 1))
        except UserError:
            steps = 1  # the job will refuse it with one line
        return plan_phases(request.method, kind, steps)

    def render_full_quality(self, node_id: str) -> Optional[int]:
        """Run a fast preview's edit again at full quality: the same parent, description, prompt,
        method, parameters asked, seed and mask, at the full text length and step count. The
        result is a sibling of the preview (which stays, like every result) and becomes current.
        Returns the job id."""
        tree = self.tree
        node = tree.node(node_id) if tree is not None and tree.contains(node_id) else None
        if node is None or node.preview is None:
            self.edit_failed.emit(NOT_A_PREVIEW)
            return None
        edit = EditSettings(source_prompt=node.source_prompt or "", edit_prompts=(node.prompt,),
                            method=node.method, params=dict(node.preview["params"]), seed=node.seed,
                            max_sequence_length=node.preview["max_sequence_length"], mask=tree.mask(node_id))
        return self.run_edit(edit, node.parent_id)

    def _build(self, edit: EditSettings, node_id: Optional[str] = None):
        session = self.session
        tree = session.tree
        if node_id is None and tree.current_id is None:
            if edit.preview:
                raise UserError(PREVIEW_NEEDS_IMAGE)
            request = session.generation_request(
                edit.source_prompt, edit.edit_prompts, method=edit.method, params=edit.params, seed=edit.seed,
                height=edit.height, width=edit.width, max_sequence_length=edit.max_sequence_length)
            return request, ResultPlan()
        node_id = tree.current_id if node_id is None else node_id
        request = session.build_request(node_id, edit.edit_prompts, edit.method, edit.params, edit.seed,
                                        source_prompt=edit.source_prompt,
                                        max_sequence_length=edit.max_sequence_length, mask=edit.mask)
        full_quality = None
        if edit.preview:
            from core.methods.preview_mode import preview_request

            full_quality = {"params": dict(edit.params), "max_sequence_length": request.max_sequence_length}
            request = preview_request(request)
        return request, ResultPlan(node_id, full_quality, session.autosave.folder)

    def _record_prompts(self, edit: EditSettings) -> None:
        self.prompts.record(edit.source_prompt, "source")
        for prompt in edit.edit_prompts:
            self.prompts.record(prompt, "edit")
        self.prompts_changed.emit()

    def cancel(self) -> None:
        """Ask the running edit to stop; it ends within one step (``edit_cancelled`` follows)."""
        if self._edit_job is not None:
            self.host.cancel(self._edit_job)
            self._cancelling = True
            self.notice.emit("Cancelling…")

    @property
    def cancelling(self) -> bool:
        """Whether the running edit was asked to stop and has not yet."""
        return self._cancelling

    def _forget_edit(self) -> None:
        self._queued_edit = None
        if self._edit_job is not None:
            self.host.forget(self._edit_job)
            self._end_edit()

    def _end_edit(self) -> None:
        """The edit job is over (done, failed, cancelled or forgotten)."""
        self._edit_job = None
        self._cancelling = False
        self.busy_changed.emit(False)

    def _run_queued_edit(self) -> None:
        queued, self._queued_edit = self._queued_edit, None
        if queued is not None:
            self.run_edit(*queued)

    @Slot(int, str, int, int)
    def _on_progress(self, job_id: int, phase: str, step: int, total: int) -> None:
        if job_id == self._edit_job:
            done, all_steps, seconds_left = self._progress.update(phase, step, total)
            self.edit_progress.emit(describe_progress(phase, step, total, seconds_left), done, all_steps)

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
        self._end_edit()
        if self._saving:
            self._deferred_results.append(payload)
            self._run_queued_edit()
            return
        self._apply_result(payload)
        self._run_queued_edit()

    def _apply_deferred_results(self) -> None:
        while self._deferred_results and not self._saving:
            self._apply_result(self._deferred_results.pop(0))

    def _apply_result(self, payload: object) -> None:
        """Put a finished edit into the tree (undoably) and announce its nodes."""
        if isinstance(payload, GeneratedStart):
            self.undo_stack.clear()
            operation = self.session.begin_generated(payload.request, payload.result, payload.model_id,
                                                     payload.model_revision)
            self.last_kv_replay_share = 0.0
        else:
            operation, self.last_kv_replay_share = payload.operation, payload.kv_replay_share
        try:
            operation.apply(self.session.tree)
        except UserError as error:  # e.g. its parent was deleted while it ran
            self.edit_failed.emit(str(error))
            return
        self.undo_stack.push(OperationCommand(operation, self.session.tree, applied=True))
        self.edit_finished.emit([node.id for node in operation.nodes])
        if self._inversion_check is not None:
            self.inversion_checked.emit(*self._inversion_check)

    @Slot(int, str, QImage)
    def _on_inversion_checked(self, job_id: int, summary: str, reconstruction: QImage) -> None:
        if job_id == self._edit_job:
            self._inversion_check = (summary, reconstruction)

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        if job_id == self._load_job:
            self._load_job = None
            self.model_status.emit("Model not loaded")
            self.error.emit(message)
        if job_id == self._edit_job:
            self._end_edit()
            self.edit_failed.emit(message)
            self._run_queued_edit()

    @Slot(int)
    def _on_cancelled(self, job_id: int) -> None:
        if job_id == self._edit_job:
            self._end_edit()
            self.edit_cancelled.emit()
            if self._queued_edit is None:
                self.notice.emit("Edit cancelled")
            self._run_queued_edit()

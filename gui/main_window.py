"""The main window: canvas in the middle, edit panel, history and prompt panels in docks."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QByteArray, QEventLoop, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QImage, QPixmap
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.model.demo_weights import DEMO_MODEL_ID
from core.storage.resources import resource_path
from gui.about import about_html
from gui.actions import build_menus
from gui.batch_dialog import BatchDialog
from gui.canvas import CanvasView
from gui.caption_hook import CaptionHook
from gui.compare_bar import CompareBar
from gui.controller import EditorController
from gui.edit_panel import EditPanel
from gui.file_names import file_stem
from gui.history_panel import HistoryPanel
from gui.icons import app_icon, recolour_icons
from gui.images import ThumbnailCache, to_pixmap
from gui.mask_editor import MaskEditor
from gui.model_setup_dialog import ModelSetupDialog
from gui.node_descriptions import NodeDescriptions
from gui.notice_bar import NoticeBar
from gui.prompt_history_panel import PromptHistoryPanel
from gui.reconstruction_dialog import show_reconstruction
from gui.result_labels import same_batch
from gui.settings import save_settings
from gui.status_bar import EditorStatusBar
from gui.variations_strip import VariationsStrip

PHOTO_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff);;All files (*)"
PROJECT_FILTER = "Stable Flow projects (*.sfproj)"
EXPORT_FILTER = "PNG image (*.png);;JPEG image (*.jpg);;WebP image (*.webp)"
PROJECT_SUFFIX = ".sfproj"
TITLE = "Stable Flow Studio"
# Full-size pixmaps kept for quick switching between nodes.
PIXMAP_CACHE_SIZE = 8
DOCK_WIDTH = 320


def scrollable(widget: QWidget) -> QScrollArea:
    """``widget`` in a scroll area, so a small window scrolls it instead of squashing its fields."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(widget)
    return area


class MainWindow(QMainWindow):
    """Assembles the widgets and wires them to the :class:`EditorController`."""

    def __init__(self, controller: EditorController, offer_model_setup: bool = True) -> None:
        super().__init__()
        self.controller = controller
        self.settings = controller.settings
        self.offer_model_setup = offer_model_setup
        self.project_path: Optional[Path] = None
        self.photo_path: Optional[Path] = None  # the photo the session was opened from
        self.thumbnails = ThumbnailCache()
        self._pixmaps: dict[str, QPixmap] = {}
        self._shown_current: Optional[str] = None
        self.descriptions = NodeDescriptions()
        self._restore_offered = False
        self._sessions_shown = 0
        self.setWindowTitle(TITLE)
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)

        self.notice_bar = NoticeBar(self)
        self.variations = VariationsStrip(self)
        self.canvas = CanvasView(self)
        self.compare_bar = CompareBar(self)
        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.masks = MaskEditor(self, self.canvas, controller)
        for widget in (self.notice_bar, self.variations, self.masks.toolbar):
            column.addWidget(widget)
        column.addWidget(self.canvas, 1)
        column.addWidget(self.compare_bar)
        self.setCentralWidget(central)

        self.edit_panel = EditPanel(self.settings.default_steps, self)
        self.edit_panel.resolver = controller.resolved_params
        if self.settings.model:
            self.edit_panel.use_model_defaults(self.settings.model)
        self.history_panel = HistoryPanel(self.thumbnails, self)
        self.prompt_panel = PromptHistoryPanel(controller.prompts, self)
        self.status = EditorStatusBar(self)
        self.setStatusBar(self.status)
        self.menu_actions = build_menus(self, controller.undo_stack)
        self._add_dock("edit", "Edit", scrollable(self.edit_panel), Qt.DockWidgetArea.RightDockWidgetArea)
        self._add_dock("history", "History", self.history_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._add_dock("prompts", "Prompts", self.prompt_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.menu_actions.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.menu_actions.cancel_edit.setEnabled(False)
        self._connect()
        self._restore_layout()
        self._refresh_view(structure=True)

    def toggle_inversion_check(self) -> None:
        """Edit > Check Inversion: after each photo edit, sample its inversion back and show the PSNR."""
        self.controller.check_inversion = self.menu_actions.check_inversion.isChecked()

    def _on_inversion_checked(self, summary: str, reconstruction: QImage) -> None:
        self.status.notify(summary)
        if not reconstruction.isNull():
            self.notice_bar.show_message(summary, (("Show Reconstruction",
                                                    lambda: show_reconstruction(self, reconstruction, summary)),))

    def _add_dock(self, name: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{name}Dock")  # saveState needs stable names
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.view_menu.addAction(dock.toggleViewAction())

    def _connect(self) -> None:
        c = self.controller
        c.engine_ready.connect(self._on_engine_ready)
        c.model_status.connect(self._on_model_status)
        c.error.connect(self.notice_bar.show_message)
        c.notice.connect(self.status.notify)
        c.inversion_checked.connect(self._on_inversion_checked)
        c.session_replaced.connect(self._on_session_replaced)
        c.tree_changed.connect(self._on_tree_changed)
        c.busy_changed.connect(self._on_busy)
        c.edit_progress.connect(self.status.show_progress)
        c.edit_preview.connect(lambda image: self.canvas.set_image(QPixmap.fromImage(image)))
        c.edit_finished.connect(self._on_edit_finished)
        c.edit_failed.connect(self._on_edit_failed)
        c.edit_cancelled.connect(self._on_edit_ended)
        c.autosave_found.connect(self._offer_restore)
        c.opened.connect(self._on_opened)
        c.host.token_counter.connect(self.edit_panel.set_token_counter)
        c.saved.connect(self._on_saved)
        c.files.busy_changed.connect(self._on_file_work)
        c.prompts_changed.connect(self.prompt_panel.refresh)
        c.undo_stack.cleanChanged.connect(lambda _clean: self._update_title())
        c.undo_stack.indexChanged.connect(self._on_undo_index)
        self.edit_panel.edit_requested.connect(self.run_edit)
        self.edit_panel.source_prompt.textChanged.connect(lambda _text: self._update_start_kind())
        self.edit_panel.cancel_requested.connect(self.cancel_edit)
        self.edit_panel.render_full_requested.connect(self.render_full_quality)
        self.history_panel.node_clicked.connect(c.set_current)
        self.history_panel.export_requested.connect(self.export_node)
        self.history_panel.edit_from_requested.connect(self.edit_from)
        self.history_panel.delete_requested.connect(c.delete_branch)
        self.history_panel.batch_requested.connect(self.apply_chain_to_folder)
        self.caption_hook = CaptionHook(c, self.edit_panel)
        self.variations.chosen.connect(c.set_current)
        self.prompt_panel.prompt_chosen.connect(self.edit_panel.use_prompt)
        self.compare_bar.comparing_changed.connect(self.canvas.set_comparing)
        self.compare_bar.split_changed.connect(self.canvas.set_split)
        self.canvas.zoom_changed.connect(self.compare_bar.show_zoom)

    # -- controller events ---------------------------------------------------------------
    def _on_engine_ready(self) -> None:
        self.edit_panel.set_catalog(self.controller.host.catalog)
        self._refresh_view(structure=True)
        if not self.settings.model:
            self.notice_bar.show_message(
                "No model is set up yet, so nothing can be edited. Choose one (the tiny demo model needs no "
                "download).", (("Set up model…", self.open_model_setup),))
            if self.offer_model_setup:
                self.open_model_setup()

    def _on_model_status(self, text: str) -> None:
        self.status.show_model(text)
        if text.startswith("Loading"):
            self.status.busy(text)
        elif not self.controller.busy:
            self.status.end_progress()

    def _on_session_replaced(self) -> None:
        self.thumbnails.clear()
        self.thumbnails.add_prepared(self.controller.prepared_thumbnails)
        self.controller.prepared_thumbnails = {}
        rows, self.controller.prepared_rows = self.controller.prepared_rows, None
        self._pixmaps.clear()
        self._shown_current = None
        self.project_path = None
        self.photo_path = None
        self.descriptions.clear()
        self._sessions_shown += 1
        if self._sessions_shown > 1:  # the first session starts empty: keep what was typed while it started
            self.edit_panel.source_prompt.clear()
        self._refresh_view(structure=True, rows=rows)

    def _on_undo_index(self, _index: int) -> None:
        self.history_panel.show_undone(self.controller.undone_node_ids())  # undone results are greyed
        self._refresh_view(structure=False)

    def _on_tree_changed(self, event: str, node_id) -> None:
        appended = event == "added" and self.history_panel.append_result(self.controller.tree, node_id)
        self._refresh_view(structure=event != "current" and not appended)

    def _on_busy(self, busy: bool) -> None:
        self.edit_panel.set_busy(busy)
        self.menu_actions.run_edit.setEnabled(not busy)
        self.menu_actions.cancel_edit.setEnabled(busy)
        if busy:
            self.status.clearMessage()  # nothing stale ("Edit cancelled") during the new edit
            self.status.busy("Starting the edit…")

    def _on_edit_finished(self, node_ids: list) -> None:
        self._on_edit_ended()
        done = f"Done: {len(node_ids)} result{'s' if len(node_ids) != 1 else ''}"
        if node_ids and self.controller.tree.node(node_ids[0]).preview is not None:
            done += " · fast preview: Render full quality when it looks right"
        share = self.controller.last_kv_replay_share
        if share > 0:  # a re-edit whose source's K/V were recorded: how much the memory budget held
            done += f" · re-edit memory replayed {share:.0%} of the steps"
        self.status.notify(done)

    def _on_edit_failed(self, message: str) -> None:
        self.edit_panel.show_error(message)
        self._on_edit_ended()

    def _on_edit_ended(self) -> None:
        self.status.end_progress()
        self._refresh_view(structure=False)

    def _offer_restore(self, folder: str) -> None:
        when = time.strftime("%d %b %H:%M", time.localtime(Path(folder).stat().st_mtime))
        self._restore_offered = True

        def answered(restore: bool) -> None:
            self._restore_offered = False
            if not restore:
                self.controller.discard_autosave(folder)
            elif self.confirm_discard():
                self.controller.restore_autosave(folder)

        self.notice_bar.show_message(
            f"An unsaved session from {when} was found (the editor did not close normally).",
            (("Restore", lambda: answered(True)), ("Discard", lambda: answered(False))))

    # -- drawing -------------------------------------------------------------------------
    def _pixmap(self, tree, node_id: str) -> QPixmap:
        pixmap = self._pixmaps.get(node_id)
        if pixmap is None:
            if len(self._pixmaps) >= PIXMAP_CACHE_SIZE:
                self._pixmaps.pop(next(iter(self._pixmaps)))
            pixmap = self._pixmaps[node_id] = to_pixmap(tree.image(node_id))
        return pixmap

    def _refresh_view(self, structure: bool, rows=None) -> None:
        """Redraw history, canvas, variations and the panel's start mode from the tree (``rows``:
        the history's rows when the file thread made them with a just-opened session)."""
        tree = self.controller.tree
        if structure:
            self.history_panel.rebuild(tree, self.controller.undone_node_ids(), rows)
        current = tree.current_id if tree is not None else None
        self.history_panel.show_current(current)
        if current != self._shown_current:
            self._show_description(tree, current)
        self._update_start_kind()
        self.edit_panel.show_preview_result(tree.node(current) if current is not None else None)
        if current is None:
            self.canvas.set_image(None)
            self.compare_bar.set_available(False)
            self.variations.show_variations([], None)
            self._shown_current = None
            self._update_title()
            return
        node = tree.node(current)
        before = self._pixmap(tree, node.parent_id) if node.parent_id else None
        self.canvas.set_image(self._pixmap(tree, current), before)
        self.compare_bar.set_available(before is not None)
        siblings = same_batch(tree, node)
        self.variations.show_variations(
            [(sibling.id, sibling.prompt, self.thumbnails.get(tree, sibling.id)) for sibling in siblings], current)
        self._shown_current = current
        self._update_title()

    def _show_description(self, tree, current: Optional[str]) -> None:
        """Keep what was typed for the node shown so far; show the new node's own description."""
        if self._shown_current is not None and tree is not None and tree.contains(self._shown_current):
            self.descriptions.remember(self._shown_current, self.edit_panel.source_prompt.text())
        if current is not None:
            self.edit_panel.set_source_prompt(self.descriptions.for_node(tree, current))

    def _update_start_kind(self) -> None:
        self.edit_panel.set_start_kind(*self.controller.start_kind(self.edit_panel.source_prompt.text()))

    def _update_title(self) -> None:
        shown = self.project_path or self.photo_path
        name = shown.name if shown else "Untitled"
        self.setWindowTitle(f"{name}{' •' if self.controller.is_modified else ''} — {TITLE}")

    # -- actions -------------------------------------------------------------------------
    def run_edit(self) -> None:
        """Submit the edit panel's edit."""
        self.edit_panel.clear_error()
        self.controller.run_edit(self.masks.with_mask(self.edit_panel.settings()))

    def render_full_quality(self) -> None:
        """Run the fast preview shown again at full quality (a new result beside it)."""
        self.edit_panel.clear_error()
        tree = self.controller.tree
        if tree is not None and tree.current_id is not None:
            self.controller.render_full_quality(tree.current_id)

    def cancel_edit(self) -> None:
        """Stop the running edit; Edit is available again at once (a new edit waits for the stop)."""
        if self.controller.busy:
            self.controller.cancel()
            self.edit_panel.set_busy(False)
            self.menu_actions.run_edit.setEnabled(True)
            self.menu_actions.cancel_edit.setEnabled(False)

    def edit_from(self, node_id: str) -> None:
        """Make ``node_id`` current and put the cursor in the edit prompt."""
        self.controller.set_current(node_id)
        self.edit_panel.edit_prompts.setFocus()

    def apply_chain_to_folder(self, node_id: str) -> BatchDialog:
        """Open the batch dialog for the chain from the photo to ``node_id`` (not modal: editing goes on)."""
        self.batch_dialog = BatchDialog(self.controller, node_id, self)
        self.batch_dialog.show()
        return self.batch_dialog

    def toggle_compare(self) -> None:
        """Turn the before/after split on or off."""
        if self.compare_bar.toggle.isEnabled():
            self.compare_bar.toggle.toggle()

    def new_session(self) -> None:
        """Close the current session; the next edit generates a new image."""
        if self.confirm_discard():
            self.controller.new_session()

    def choose_photo(self) -> None:
        """Ask for a photo and open it."""
        path, _ = QFileDialog.getOpenFileName(self, "Open a photo", str(self._start_folder(photos=True)), PHOTO_FILTER)
        if path:
            self.open_path(path)

    def choose_project(self) -> None:
        """Ask for a project file and open it."""
        path, _ = QFileDialog.getOpenFileName(self, "Open a project", str(self._start_folder()), PROJECT_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path) -> bool:
        """Open a photo or a ``.sfproj`` project (asking first when the session has unsaved work).
        Returns whether the opening started; it finishes off the UI thread (``controller.opened``)."""
        if not self.confirm_discard():
            return False
        path = Path(path)
        if path.suffix.lower() == PROJECT_SUFFIX:
            return self.controller.open_project(path)
        return self.controller.open_photo(path)

    def _on_opened(self, path: str, ok: bool) -> None:
        if not ok:
            return
        path = Path(path)
        if path.suffix.lower() == PROJECT_SUFFIX:
            self.project_path = path
        elif path.is_file():
            self.photo_path = path
        if not self._restore_offered:  # a crash's restore offer stays, whatever was opened since
            self.notice_bar.hide()
        self.status.clearMessage()  # "Saved x.sfproj" is about the session this one replaced
        self._update_title()

    def save_project(self) -> bool:
        """Save to the project's file (asking for one the first time); whether saving started."""
        if self.project_path is None:
            return self.save_project_as()
        return self.controller.save_project(self.project_path)

    def save_project_as(self) -> bool:
        """Ask where to save the project, then save it."""
        if self.controller.tree is None or self.controller.tree.root_id is None:
            self.notice_bar.show_message("Nothing to save yet: open a photo or generate an image first.")
            return False
        start = self.project_path or self._start_folder() / f"{self._suggested_stem()}{PROJECT_SUFFIX}"
        path, _ = QFileDialog.getSaveFileName(self, "Save the project", str(start), PROJECT_FILTER)
        if not path:
            return False
        return self.save_project_to(path)

    def save_project_to(self, path: str | Path) -> bool:
        """Save the project to ``path`` (``.sfproj`` added when missing), off the UI thread."""
        path = Path(path)
        if path.suffix.lower() != PROJECT_SUFFIX:
            path = path.with_name(path.name + PROJECT_SUFFIX)
        return self.controller.save_project(path)

    def _on_saved(self, path: str, ok: bool) -> None:
        if ok:
            self.project_path = Path(path)
            self._update_title()

    def wait_for_files(self) -> None:
        """Wait (the window keeps repainting) until the file thread has finished its work."""
        if not self.controller.files.busy:
            return
        loop = QEventLoop(self)
        self.controller.files.busy_changed.connect(lambda busy, _what: None if busy else loop.quit())
        loop.exec()

    def _on_file_work(self, busy: bool, what: str) -> None:
        self.status.show_file_work(busy, what)
        for action in (self.menu_actions.undo, self.menu_actions.redo):  # the tree is being read
            action.setEnabled(not busy and (self.controller.undo_stack.canUndo() if action is self.menu_actions.undo
                                            else self.controller.undo_stack.canRedo()))

    def _start_folder(self, photos: bool = False) -> Path:
        """Where file dialogs start: the project's or photo's folder; else, choosing a photo for the
        demo model, its sample photos (the only photos it can edit); else the home folder."""
        for path in (self.project_path, self.photo_path):
            if path is not None and path.parent.is_dir():
                return path.parent
        samples = resource_path("samples")
        if photos and self.settings.model == DEMO_MODEL_ID and samples.is_dir():
            return samples
        return Path.home()

    def _suggested_stem(self, node_id: Optional[str] = None) -> str:
        """A file name (no suffix) from the node's prompt, else the photo's name."""
        tree = self.controller.tree
        prompt = tree.node(node_id).prompt if tree is not None and node_id is not None else ""
        return file_stem(prompt) or (self.photo_path.stem if self.photo_path else "") or "untitled"

    def export_current(self) -> None:
        """Export the image shown."""
        tree = self.controller.tree
        if tree is None or tree.current_id is None:
            self.notice_bar.show_message("Nothing to export yet: open a photo or generate an image first.")
            return
        self.export_node(tree.current_id)

    def export_node(self, node_id: str) -> None:
        """Ask for a file name and export ``node_id`` with its recipe."""
        start = self._start_folder() / f"{self._suggested_stem(node_id)}.png"
        path, _ = QFileDialog.getSaveFileName(self, "Export the image", str(start), EXPORT_FILTER)
        if path:
            self.controller.export_node(node_id, path, original_size=self.settings.export_original_size,
                                        quality=self.settings.export_quality)

    def open_settings(self) -> None:
        """Show the settings dialog; apply and save on OK."""
        from gui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            dialog.apply_to(self.settings)
            save_settings(self.settings)
            self.edit_panel.default_steps = self.settings.default_steps
            self.edit_panel.reset_params()

    def open_model_setup(self) -> ModelSetupDialog:
        """Show the model setup dialog (non-blocking); choosing a model loads it in the background."""
        dialog = ModelSetupDialog(self.settings.model, self, caption_model=self.settings.caption_model)
        dialog.accepted.connect(lambda: self._model_chosen(dialog))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.model_dialog = dialog
        return dialog

    def _model_chosen(self, dialog: ModelSetupDialog) -> None:
        self.controller.set_model(dialog.chosen_model(), dialog.hf_token())
        self.edit_panel.use_model_defaults(dialog.chosen_model())
        self.notice_bar.hide()

    def retheme(self) -> None:
        """Redraw what the palette does not: icons in the new text colour."""
        recolour_icons(self)
        self.prompt_panel.refresh()

    def show_about(self) -> None:
        """A short About box."""
        QMessageBox.about(self, TITLE, about_html(TITLE))

    def _fill_recent_menu(self) -> None:
        menu = self.menu_actions.recent_menu
        menu.clear()
        for path in self.settings.recent_files:
            menu.addAction(Path(path).name, lambda path=path: self.open_path(path)).setToolTip(path)
        menu.setEnabled(bool(self.settings.recent_files))
        if not self.settings.recent_files:
            menu.addAction("(none yet)").setEnabled(False)

    # -- window events -------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt naming)
        """Accept dropped files."""
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt naming)
        """Open the first dropped file (a photo or a project)."""
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_path(paths[0])

    def confirm_discard(self) -> bool:
        """When the session has unsaved changes, ask whether to save them first; False to stop."""
        if not self.controller.is_modified:
            return True
        answer = QMessageBox.question(
            self, TITLE, "This session has changes that are not saved in a project. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel)
        if answer == QMessageBox.StandardButton.Save:
            if not self.save_project():
                return False
            self.wait_for_files()
            return not self.controller.is_modified
        return answer == QMessageBox.StandardButton.Discard

    def _restore_layout(self) -> None:
        if self.settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(self.settings.window_geometry.encode()))
        else:
            self.resize(1280, 800)
        if self.settings.window_state:
            self.restoreState(QByteArray.fromBase64(self.settings.window_state.encode()))
        else:
            docks = [self.findChild(QDockWidget, name) for name in ("historyDock", "editDock")]
            self.resizeDocks(docks, [DOCK_WIDTH, DOCK_WIDTH], Qt.Orientation.Horizontal)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt naming)
        """Ask about unsaved work, remember the layout, stop the worker."""
        if not self.confirm_discard():
            event.ignore()
            return
        self.wait_for_files()  # a save or export under way finishes first
        self.settings.window_geometry = bytes(self.saveGeometry().toBase64()).decode()
        self.settings.window_state = bytes(self.saveState().toBase64()).decode()
        save_settings(self.settings)
        self.controller.undo_stack.indexChanged.disconnect(self._on_undo_index)  # the stack goes before the window
        self.controller.shutdown()
        event.accept()

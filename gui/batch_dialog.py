""""Apply this chain to a folder…": the chain from the photo to a result, replayed on every photo of a folder.

The batch runs on the engine's worker thread as one job (core.batch), after the model is
loaded; each photo's status comes back through a queued signal. Cancel stops within one
step; Resume runs the batch again, which skips every photo whose results are complete.
When it ends the results are shown as a gallery.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QSize, Qt, Slot
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QListView, QListWidget, QListWidgetItem, QPushButton, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from gui.error_messages import describe_error
from gui.jobs import BatchJob, CacheChoice

THUMBNAIL = 96
DESCRIBE_CHAIN, DESCRIBE_TEMPLATE, DESCRIBE_FILE, DESCRIBE_AUTO = range(4)
DESCRIBE_CHOICES = ("The chain's description, for every photo", "A template ({stem} is the file name)",
                    "A descriptions file (CSV or JSON)", "Written by the captioning model")
STATUS_TEXT = {"waiting": "waiting", "running": "editing…", "done": "done", "failed": "failed",
               "cancelled": "cancelled"}


class BatchDialog(QDialog):
    """Choose a folder and how its photos are described, run the chain on them, watch each photo."""

    def __init__(self, controller, node_id: str, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Apply this chain to a folder")
        self.setObjectName("batchDialog")
        self.controller = controller
        self.node_id = node_id
        self._tree = controller.tree  # this chain, even if another photo is opened meanwhile
        self.job_id: Optional[int] = None
        self.report = None

        self.folder = QLineEdit(self)
        self.folder.setPlaceholderText("the folder of photos")
        self.output = QLineEdit(self)
        self.output.setPlaceholderText("where results go (default: an 'edited' folder inside it)")
        self.describe = QComboBox(self)
        self.describe.addItems(DESCRIBE_CHOICES)
        self.describe_text = QLineEdit(self)
        self.describe_text.setPlaceholderText("a photo of a {stem}, or the descriptions file")
        browse_folder = QPushButton("Browse…", self)
        browse_folder.clicked.connect(self._choose_folder)
        browse_file = QPushButton("Browse…", self)
        browse_file.clicked.connect(self._choose_file)
        folder_row, describe_row = QHBoxLayout(), QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(browse_folder)
        describe_row.addWidget(self.describe_text, 1)
        describe_row.addWidget(browse_file)
        form = QFormLayout()
        form.addRow("Photos", folder_row)
        form.addRow("Results", self.output)
        form.addRow("Descriptions", self.describe)
        form.addRow("", describe_row)

        self.photo_list = QTreeWidget(self)
        self.photo_list.setObjectName("batchPhotos")
        self.photo_list.setHeaderLabels(["Photo", "Status"])
        self.photo_list.setRootIsDecorated(False)
        self.gallery = QListWidget(self)
        self.gallery.setObjectName("batchGallery")
        self.gallery.setViewMode(QListView.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.gallery.hide()
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.start_button = QPushButton("Start", self)
        self.start_button.setObjectName("batchStart")
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setEnabled(False)
        close_button = QPushButton("Close", self)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.start_button, self.cancel_button, close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.photo_list, 1)
        layout.addWidget(self.gallery, 1)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        self.resize(560, 520)

        host = controller.host
        host.finished.connect(self._on_finished)
        host.batch_photo.connect(self._on_photo)
        host.failed.connect(self._on_failed)
        host.cancelled.connect(self._on_cancelled)

    # -- choosing --------------------------------------------------------------------------
    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of photos", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Descriptions file", self.folder.text(),
                                              "Descriptions (*.csv *.json)")
        if path:
            self.describe_text.setText(path)
            self.describe.setCurrentIndex(DESCRIBE_FILE)

    def output_folder(self) -> Path:
        """The results folder (typed, or ``edited`` inside the photo folder)."""
        typed = self.output.text().strip()
        return Path(typed).expanduser() if typed else Path(self.folder.text().strip()).expanduser() / "edited"

    def _plan(self):
        """Recipe, descriptions, photos and result names; a UserError says what is missing."""
        from core.api.errors import ParameterError
        from core.batch.photos import find_photos, output_bases
        from core.batch.recipe import recipe_from_chain
        from core.batch.source_prompts import AUTO, SourcePrompts, read_sidecar

        if not self.folder.text().strip():
            raise ParameterError("choose the folder of photos first")
        mode, text = self.describe.currentIndex(), self.describe_text.text().strip()
        template = {DESCRIBE_CHAIN: None, DESCRIBE_TEMPLATE: text, DESCRIBE_FILE: None, DESCRIBE_AUTO: AUTO}[mode]
        recipe = recipe_from_chain(self._tree, self.node_id, source=template)
        sidecar = read_sidecar(text) if mode == DESCRIBE_FILE else None
        sources = SourcePrompts(recipe.source if mode != DESCRIBE_FILE else None, sidecar,
                                captioner_id=self.controller.settings.caption_model)
        output = self.output_folder()
        photos = find_photos(self.folder.text().strip(), exclude=output)
        return recipe, sources, photos, output_bases(photos), output

    # -- running ---------------------------------------------------------------------------
    def start(self) -> Optional[int]:
        """Start (or resume) the batch on the worker; returns the job id."""
        from core.api.errors import UserError

        if self.job_id is not None:
            return None
        choice = self.controller.model_choice()
        if choice is None:
            self.summary.setText("Set up a model first (Model setup in the File menu).")
            return None
        try:
            recipe, sources, photos, bases, output = self._plan()
        except (UserError, OSError) as error:
            self.summary.setText(describe_error(error))
            return None
        self.photo_list.clear()
        for photo in photos:
            self.photo_list.addTopLevelItem(QTreeWidgetItem([photo.name, STATUS_TEXT["waiting"]]))
        self.gallery.hide()
        self.photo_list.show()
        s = self.controller.settings
        host = self.controller.host
        job = BatchJob(host.new_job_id(), choice, CacheChoice(s.cache_root(), max(1, int(s.cache_size_gb * 1e9))),
                       host.new_cancel_token(), recipe, sources, tuple(photos), bases, output)
        self.job_id = host.submit(job)
        self._output = output
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.summary.setText(f"Editing {len(photos)} photos…")
        return self.job_id

    def cancel(self) -> None:
        """Stop within one step; finished photos stay, Resume continues."""
        if self.job_id is not None:
            self.controller.host.cancel(self.job_id)
            self.summary.setText("Cancelling…")

    @Slot(int, int, object)
    def _on_photo(self, job_id: int, index: int, result) -> None:
        if job_id != self.job_id:
            return
        item = self.photo_list.topLevelItem(index)
        if item is None:
            return
        text = STATUS_TEXT[result.status]
        if result.status == "failed":
            text = f"failed: {result.error}"
        elif result.resumed:
            text = "done (earlier run)"
        item.setText(1, text)
        item.setToolTip(1, text)

    def _ended(self, summary: str, can_resume: bool) -> None:
        self.job_id = None
        self.start_button.setEnabled(True)
        self.start_button.setText("Resume" if can_resume else "Start again")
        self.cancel_button.setEnabled(False)
        self.summary.setText(summary)

    @Slot(int, object)
    def _on_finished(self, job_id: int, report) -> None:
        if job_id != self.job_id:
            return
        self.report = report
        counts = report.counts()
        failed = f", {counts['failed']} failed (the reason is beside each)" if counts["failed"] else ""
        self._ended(f"{counts['done']} of {len(report.photos)} photos done{failed}. Results in {self._output}.",
                    can_resume=False)
        self._show_gallery(report)

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        if job_id == self.job_id:
            self._ended(message, can_resume=True)

    @Slot(int)
    def _on_cancelled(self, job_id: int) -> None:
        if job_id != self.job_id:
            return
        done = sum(1 for i in range(self.photo_list.topLevelItemCount())
                   if self.photo_list.topLevelItem(i).text(1).startswith("done"))
        self._ended(f"Cancelled: {done} of {self.photo_list.topLevelItemCount()} photos done. Resume continues "
                    "with the others.", can_resume=True)

    def _show_gallery(self, report) -> None:
        from core.batch.report import done_outputs

        self.gallery.clear()
        for name in done_outputs(report.photos):
            pixmap = QPixmap(str(self._output / name))
            item = QListWidgetItem(QIcon(pixmap.scaled(THUMBNAIL, THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio,
                                                       Qt.TransformationMode.SmoothTransformation)), name)
            item.setData(Qt.ItemDataRole.UserRole, str(self._output / name))
            self.gallery.addItem(item)
        self.gallery.setVisible(self.gallery.count() > 0)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        """Closing cancels a running batch (what finished stays on disk)."""
        if self.job_id is not None:
            self.controller.host.forget(self.job_id)
            self.job_id = None
        super().closeEvent(event)

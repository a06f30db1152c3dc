"""The status bar: messages, per-step progress with time left, and which model is loaded."""

from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from gui.eliding_label import ElidingLabel

MESSAGE_MS = 5000
MODEL_LABEL_CHARS = 48  # the rest of the bar is left to messages ('Done: 2 results · …')


class EditorStatusBar(QStatusBar):
    """Shows the running job's progress and the model state alongside transient messages."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.progress_label = QLabel(self)
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(False)
        self.file_label = QLabel(self)
        self.file_progress = QProgressBar(self)
        self.file_progress.setMaximumWidth(120)
        self.file_progress.setTextVisible(False)
        self.file_progress.setRange(0, 0)
        self.model_label = ElidingLabel(MODEL_LABEL_CHARS, self)
        self.model_label.setObjectName("hint")
        self.addPermanentWidget(self.file_label)
        self.addPermanentWidget(self.file_progress)
        self.addPermanentWidget(self.progress_label)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.model_label)
        self.end_progress()
        self.show_file_work(False, "")

    def show_progress(self, text: str, step: int, total: int) -> None:
        """'Editing 3/15 · about 12 s left' and the bar."""
        self.progress_label.setText(text)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(step)
        self.progress_label.show()
        self.progress.show()

    def busy(self, text: str) -> None:
        """An indeterminate bar (loading a model, starting a job)."""
        self.progress_label.setText(text)
        self.progress.setRange(0, 0)
        self.progress_label.show()
        self.progress.show()

    def end_progress(self) -> None:
        """Hide the progress widgets."""
        self.progress_label.hide()
        self.progress.hide()
        self.progress.setRange(0, 1)
        self.progress.reset()

    def show_file_work(self, busy: bool, text: str) -> None:
        """'Opening photo.png…' with a moving bar while the file thread works (edits keep their own bar)."""
        self.file_label.setText(text)
        self.file_label.setVisible(busy)
        self.file_progress.setVisible(busy)

    def show_model(self, text: str) -> None:
        """Which model is loaded (or what to do when none is); whole in the tooltip when cut."""
        self.model_label.set_full_text(text)

    def notify(self, text: str) -> None:
        """A transient message."""
        self.showMessage(text, MESSAGE_MS)

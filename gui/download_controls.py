"""A download's controls that keep their place: a progress bar, and one slot in which the
Download and Cancel buttons take turns (nothing around them moves when a download starts or ends)."""

from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QStackedWidget, QWidget

PROGRESS_STEPS = 1000


class DownloadControls(QWidget):
    """A progress bar (its space kept while hidden) and a Download / Cancel button slot."""

    def __init__(self, download_text: str, cancel_text: str, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.progress = QProgressBar(self)
        policy = self.progress.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.progress.setSizePolicy(policy)
        self.progress.hide()
        self.download_button = QPushButton(download_text, self)
        self.cancel_button = QPushButton(cancel_text, self)
        self._slot = QStackedWidget(self)
        self._slot.addWidget(self.download_button)
        self._slot.addWidget(self.cancel_button)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.progress, 1)
        layout.addWidget(self._slot)

    def set_downloading(self, downloading: bool) -> None:
        """Show the progress bar (busy until the size is known) and Cancel, or Download again."""
        if downloading and self.progress.isHidden():  # starting (not a refresh while running)
            self.progress.setRange(0, 0)
        self.progress.setVisible(downloading)
        self._slot.setCurrentWidget(self.cancel_button if downloading else self.download_button)

    def show_progress(self, done: float, total: float) -> None:
        """``done`` of ``total`` bytes (nothing changes while the total is unknown)."""
        if total > 0:
            self.progress.setRange(0, PROGRESS_STEPS)
            self.progress.setValue(int(PROGRESS_STEPS * min(done / total, 1.0)))

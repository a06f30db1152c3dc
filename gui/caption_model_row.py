"""The model setup's optional row: download the captioning model (Florence-2) with progress.

It goes into the normal Hugging Face cache like the editing model (cancel keeps the
partial files; the next download resumes) and works offline afterwards.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from gui.download_controls import DownloadControls
from gui.model_download import ModelDownload

CAPTION_PATTERNS = ["*.json", "*.safetensors", "*.txt"]


class CaptionModelRow(QWidget):
    """Shows whether the captioning model is downloaded and downloads it on request."""

    def __init__(self, model_id: str, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.model_id = model_id
        self._download: Optional[ModelDownload] = None
        title = QLabel(f"Optional: automatic descriptions of photos ({model_id}, about 0.5 GB for the base size)")
        title.setWordWrap(True)
        self.status = QLabel(self)
        self.status.setObjectName("hint")
        self.status.setWordWrap(True)
        self.controls = DownloadControls("Download the captioning model", "Cancel", self)
        self.progress = self.controls.progress
        self.download_button = self.controls.download_button
        self.cancel_button = self.controls.cancel_button
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.status)
        layout.addWidget(self.controls)
        self.download_button.clicked.connect(self.start_download)
        self.cancel_button.clicked.connect(self.cancel_download)
        self._show_state()

    def _show_state(self) -> None:
        from core.model.captioning import caption_model_is_downloaded

        ready = caption_model_is_downloaded(self.model_id)
        self.status.setText("Downloaded: photos opened without a description get one." if ready else
                            "Not downloaded: without it, type each photo's description yourself.")
        self.download_button.setEnabled(self._download is None and not ready)

    def start_download(self) -> None:
        """Download into the Hugging Face cache on its own thread."""
        self._download = ModelDownload(self.model_id, parent=self, patterns=CAPTION_PATTERNS)
        self._download.progress.connect(self.controls.show_progress)
        self._download.finished.connect(lambda _path: self._end("Downloaded: ready to use."))
        self._download.failed.connect(self._end)
        self._download.cancelled.connect(lambda: self._end("Download cancelled: press Download to resume it."))
        self.controls.set_downloading(True)
        self.download_button.setEnabled(False)
        self.status.setText("Downloading the captioning model…")
        self._download.start()

    def cancel_download(self) -> None:
        """Stop (partial files stay for a resume)."""
        if self._download is not None:
            self._download.cancel()

    def wait(self) -> None:
        """Stop a running download and wait for its thread (the dialog is closing)."""
        if self._download is not None:
            self._download.wait()
            self._download = None

    def _end(self, message: str) -> None:
        self._download = None
        self.controls.set_downloading(False)
        self._show_state()
        self.status.setText(message)

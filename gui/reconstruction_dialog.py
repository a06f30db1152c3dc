"""The inversion check's reconstruction, shown beside its one-line verdict (Edit ▸ Check Inversion)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

MAX_SIDE = 768
MIN_SIDE = 256  # tiny working sizes are shown larger, so the eye can judge them


class ReconstructionDialog(QDialog):
    """The photo as sampled back from its inverted noise, scaled to fit, with the PSNR line."""

    def __init__(self, reconstruction: QImage, summary: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Inversion check")
        self.image = QLabel(self)
        pixmap = QPixmap.fromImage(reconstruction)
        side = max(pixmap.width(), pixmap.height())
        if side > MAX_SIDE or side < MIN_SIDE:
            target = MAX_SIDE if side > MAX_SIDE else MIN_SIDE
            pixmap = pixmap.scaled(target, target, Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
        self.image.setPixmap(pixmap)
        self.summary = QLabel(summary, self)
        self.summary.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.image)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)


def show_reconstruction(parent: QWidget, reconstruction: QImage, summary: str) -> ReconstructionDialog:
    """Open the dialog without blocking the window; returns it (tests look at it)."""
    dialog = ReconstructionDialog(reconstruction, summary, parent)
    dialog.open()
    return dialog

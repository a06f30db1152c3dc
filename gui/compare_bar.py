"""The strip under the canvas: a before/after toggle, the split slider, and the zoom level."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

from gui.icons import set_icon


class CompareBar(QWidget):
    """Emits ``comparing_changed(bool)`` and ``split_changed(fraction)``."""

    comparing_changed = Signal(bool)
    split_changed = Signal(float)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.toggle = QToolButton(self)
        self.toggle.setCheckable(True)
        set_icon(self.toggle, "compare")
        self.toggle.setText("Compare")
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setToolTip("Compare with the image this one was made from (C)")
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setRange(0, 100)
        self.slider.setValue(50)
        self.slider.setMinimumWidth(120)  # stays usable in a small window
        self.slider.setToolTip("Drag to move the split: before on the left, after on the right")
        self.zoom_label = QLabel("", self)
        self.zoom_label.setObjectName("hint")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.toggle)
        layout.addWidget(QLabel("Before", self))
        layout.addWidget(self.slider, 1)
        layout.addWidget(QLabel("After", self))
        layout.addSpacing(12)
        layout.addWidget(self.zoom_label)
        self.toggle.toggled.connect(self._toggled)
        self.slider.valueChanged.connect(lambda value: self.split_changed.emit(value / 100))
        self._toggled(False)

    def _toggled(self, on: bool) -> None:
        self.slider.setEnabled(on)
        self.comparing_changed.emit(on)

    def set_available(self, available: bool) -> None:
        """Enable comparing only when the shown image has a parent to compare with."""
        self.toggle.setEnabled(available)
        if not available:
            self.toggle.setChecked(False)

    def show_zoom(self, scale: float) -> None:
        """Show the zoom level as a percentage."""
        self.zoom_label.setText(f"{scale * 100:.0f}%")

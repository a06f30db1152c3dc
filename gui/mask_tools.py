"""The mask tool bar above the canvas: pan, brush, eraser, rectangle and lasso, the brush size
(keys [ and ]), feather, invert and clear."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QDoubleSpinBox, QHBoxLayout, QLabel, QSpinBox, QToolButton, QWidget

from gui.mask_overlay import TOOLS

TOOL_LABELS = {"pan": "Pan", "brush": "Brush", "eraser": "Eraser", "rectangle": "Rectangle", "lasso": "Lasso"}
TOOL_TIPS = {
    "pan": "Drag to move around the image (no mask painting)",
    "brush": "Paint where the edit applies ([ and ] change the size)",
    "eraser": "Erase from the mask ([ and ] change the size)",
    "rectangle": "Drag a rectangle to add to the mask",
    "lasso": "Draw an outline to add its inside to the mask",
}
MIN_SIZE, MAX_SIZE, DEFAULT_SIZE = 1, 512, 24
SIZE_STEP = 1.25


class MaskToolBar(QWidget):
    """Emits what the user chose; :class:`~gui.mask_editor.MaskEditor` carries it out."""

    tool_chosen = Signal(str)
    size_changed = Signal(int)
    invert_requested = Signal()
    clear_requested = Signal()
    feather_requested = Signal(float)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("maskToolBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(QLabel("Mask"))
        self.tools = QButtonGroup(self)
        self.tool_buttons: dict[str, QToolButton] = {}
        for tool in TOOLS:
            button = QToolButton(self)
            button.setText(TOOL_LABELS[tool])
            button.setToolTip(TOOL_TIPS[tool])
            button.setCheckable(True)
            button.setAutoRaise(True)
            self.tools.addButton(button)
            self.tool_buttons[tool] = button
            layout.addWidget(button)
            button.toggled.connect(lambda on, tool=tool: on and self.tool_chosen.emit(tool))
        self.tool_buttons["pan"].setChecked(True)
        self.size = QSpinBox(self)
        self.size.setRange(MIN_SIZE, MAX_SIZE)
        self.size.setValue(DEFAULT_SIZE)
        self.size.setSuffix(" px")
        self.size.setToolTip("Brush size ([ smaller, ] larger)")
        self.feather_radius = QDoubleSpinBox(self)
        self.feather_radius.setRange(0.5, 64.0)
        self.feather_radius.setValue(4.0)
        self.feather_radius.setSuffix(" px")
        self.feather_radius.setToolTip("How far Feather softens the mask's edges")
        self.feather_button = self._button("Feather", "Soften the mask's edges so the edit blends in")
        self.invert_button = self._button("Invert", "Edit what is kept and keep what is edited")
        self.clear_button = self._button("Clear", "Remove the mask: the next edit changes the whole image")
        for widget in (QLabel("Size"), self.size, self.feather_button, self.feather_radius, self.invert_button,
                       self.clear_button):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.size.valueChanged.connect(self.size_changed)
        self.feather_button.clicked.connect(lambda: self.feather_requested.emit(self.feather_radius.value()))
        self.invert_button.clicked.connect(self.invert_requested)
        self.clear_button.clicked.connect(self.clear_requested)

    def _button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        return button

    def choose(self, tool: str) -> None:
        """Select ``tool`` as if its button was clicked."""
        self.tool_buttons[tool].setChecked(True)

    def tool(self) -> str:
        """The selected tool."""
        return next(tool for tool, button in self.tool_buttons.items() if button.isChecked())

    def grow(self) -> None:
        """A larger brush (key ])."""
        self.size.setValue(max(self.size.value() + 1, round(self.size.value() * SIZE_STEP)))

    def shrink(self) -> None:
        """A smaller brush (key [)."""
        self.size.setValue(min(self.size.value() - 1, round(self.size.value() / SIZE_STEP)))

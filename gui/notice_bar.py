"""An inline bar above the canvas for messages and offers (restore an autosave), never a modal storm."""

from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget


class NoticeBar(QFrame):
    """One message with optional buttons; a close button hides it."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBar")
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(10, 6, 6, 6)
        self._layout.addWidget(self.label, 1)
        self._buttons: list[QPushButton] = []
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        self.close_button.clicked.connect(self.hide)
        self._layout.addWidget(self.close_button)
        self.hide()

    def show_message(self, text: str, actions: tuple[tuple[str, Callable[[], None]], ...] = ()) -> None:
        """Show ``text`` with a button per (label, callback); a button click also hides the bar."""
        for button in self._buttons:
            button.deleteLater()
        self._buttons = []
        self.label.setText(text)
        for label, callback in actions:
            button = QPushButton(label, self)
            button.clicked.connect(self.hide)
            button.clicked.connect(callback)
            self._layout.insertWidget(self._layout.count() - 1, button)
            self._buttons.append(button)
        self.show()

    def button(self, label: str) -> QPushButton:
        """The action button labelled ``label``."""
        return next(button for button in self._buttons if button.text() == label)

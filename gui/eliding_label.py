"""A one-line label that gives up width to its neighbours, ending its text with '…' when cut."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QWidget


class ElidingLabel(QLabel):
    """A QLabel at most ``max_chars`` average characters wide; longer text is drawn cut with
    '…' and shown whole in the tooltip. ``text()`` stays the whole text."""

    def __init__(self, max_chars: int, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._max_chars = max_chars

    def set_full_text(self, text: str) -> None:
        """Show ``text`` (cut when it is wider than the label may grow) with it whole as the tooltip."""
        self.setText(text)
        self.setToolTip(text if self.fontMetrics().horizontalAdvance(text) > self._max_width() else "")

    def _max_width(self) -> int:
        return self.fontMetrics().averageCharWidth() * self._max_chars

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), self._max_width()), hint.height())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self._max_width()), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter = QPainter(self)
        self.style().drawItemText(painter, rect, int(self.alignment()), self.palette(), self.isEnabled(), shown,
                                  self.foregroundRole())

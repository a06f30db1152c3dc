"""Side-by-side variations: the results of one batch (siblings of the shown node); a click picks one."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QWidget

from gui.result_labels import distinct_labels, elide

STRIP_ICON = 96
TOOLTIP_CHARS = 200
ID_ROLE = Qt.ItemDataRole.UserRole


class VariationsStrip(QListWidget):
    """A horizontal row of thumbnails; ``chosen(node_id)`` when the user clicks one."""

    chosen = Signal(str)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("variations")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(QSize(STRIP_ICON, STRIP_ICON))
        self.setFixedHeight(STRIP_ICON + 40)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemClicked.connect(self._clicked)
        self.hide()

    def show_variations(self, variations: list[tuple[str, str, QPixmap]], current_id: Optional[str]) -> None:
        """``variations`` is (node id, prompt, thumbnail); shown only when there are two or more."""
        self.clear()
        labels = distinct_labels([prompt for _id, prompt, _pixmap in variations])
        for (node_id, prompt, pixmap), label in zip(variations, labels):
            item = QListWidgetItem(QIcon(pixmap), label)
            item.setToolTip(elide(prompt, TOOLTIP_CHARS))
            item.setData(ID_ROLE, node_id)
            self.addItem(item)
            if node_id == current_id:
                item.setSelected(True)
        self.setVisible(len(variations) > 1)

    def node_ids(self) -> list[str]:
        """The ids shown, left to right."""
        return [self.item(row).data(ID_ROLE) for row in range(self.count())]

    def _clicked(self, item: QListWidgetItem) -> None:
        self.chosen.emit(item.data(ID_ROLE))


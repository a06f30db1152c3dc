"""The prompt-history panel: every prompt used, newest first, searchable; double-click reuses one."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from gui.icons import icon
from gui.prompt_history import PromptHistory

KIND_ROLE = Qt.ItemDataRole.UserRole
KIND_ICONS = {"source": "photo", "edit": "edit"}
KIND_HINTS = {"source": "described an image", "edit": "an edit"}


class PromptHistoryPanel(QWidget):
    """Lists :class:`~gui.prompt_history.PromptHistory`; ``prompt_chosen(text, kind)`` on double-click."""

    prompt_chosen = Signal(str, str)

    def __init__(self, history: PromptHistory, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.history = history
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search prompts")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setObjectName("promptHistory")
        self.list.setWordWrap(True)
        self.list.setToolTip("Double-click a prompt to use it again")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        self.search.textChanged.connect(self.refresh)
        self.list.itemActivated.connect(self._chosen)
        self.refresh()

    def refresh(self) -> None:
        """Redraw from the history with the current search."""
        self.list.clear()
        for entry in self.history.entries(self.search.text()):
            item = QListWidgetItem(icon(KIND_ICONS[entry.kind]), entry.text)
            item.setData(KIND_ROLE, entry.kind)
            item.setToolTip(f"{entry.text}\n({KIND_HINTS[entry.kind]}, used {entry.uses}×)")
            self.list.addItem(item)

    def prompts(self) -> list[str]:
        """The prompts shown, top to bottom."""
        return [self.list.item(row).text() for row in range(self.list.count())]

    def _chosen(self, item: QListWidgetItem) -> None:
        self.prompt_chosen.emit(item.text(), item.data(KIND_ROLE))

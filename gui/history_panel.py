"""The layer-history panel: the session's edit tree with thumbnails and prompts.

A click shows a node and makes it current; the context menu exports it, edits from it or
deletes its branch. The panel only emits requests; it redraws from the tree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QFont, QIcon
from PySide6.QtWidgets import QMenu, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from gui.icons import icon
from gui.images import ThumbnailCache
from gui.method_catalog import method_label
from gui.result_labels import elide, how_made

ID_ROLE = Qt.ItemDataRole.UserRole
ICON_SIZE = 56


PROMPT_CHARS = 44
TOOLTIP_LINE_CHARS = 90


def node_label(node, undone: bool = False) -> str:
    """Two lines: what the image shows (elided), then how it was made (always visible)."""
    prompt = elide(node.prompt, PROMPT_CHARS)
    if node.kind == "photo":
        name = Path(node.image_path).name if node.image_path else "photo"
        return f"{prompt}\nPhoto · {name}" if node.prompt else f"{name}\nPhoto"
    if node.kind == "generated":
        return f"{prompt}\nGenerated · seed {node.seed}"
    return f"{prompt}\n{how_made(node)}{' · undone' if undone else ''}"


class HistoryPanel(QWidget):
    """Shows the edit tree; emits what the user asked for by node id."""

    node_clicked = Signal(str)
    export_requested = Signal(str)
    edit_from_requested = Signal(str)
    delete_requested = Signal(str)
    batch_requested = Signal(str)

    def __init__(self, thumbnails: ThumbnailCache, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._thumbnails = thumbnails
        self.tree_widget = QTreeWidget(self)
        self.tree_widget.setObjectName("historyTree")
        self.tree_widget.setHeaderHidden(True)
        self.tree_widget.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.tree_widget.setIndentation(14)
        self.tree_widget.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree_widget.setWordWrap(True)
        self.tree_widget.itemClicked.connect(self._clicked)
        # Up/Down (and Home/End, Page keys) show the node they land on, like a click.
        self.tree_widget.currentItemChanged.connect(self._keyboard_moved)
        self.tree_widget.customContextMenuRequested.connect(self._context_menu)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree_widget)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._bold_id: Optional[str] = None  # the row shown in bold (the current node)
        self._rebuilding = False

    def rebuild(self, tree, undone: frozenset = frozenset()) -> None:
        """Redraw the whole tree; results in ``undone`` (undone edits, kept as branches) are greyed."""
        self._rebuilding = True
        try:
            self._fill(tree, undone)
        finally:
            self._rebuilding = False

    def _fill(self, tree, undone: frozenset) -> None:
        self.tree_widget.clear()
        self._items.clear()
        self._bold_id = None  # new rows start in the normal weight
        if tree is None:
            return
        for node in tree.nodes():
            parent = self._items.get(node.parent_id) if node.parent_id else None
            item = QTreeWidgetItem([node_label(node, node.id in undone)])
            if node.id in undone:
                item.setForeground(0, self.palette().placeholderText())
            item.setIcon(0, QIcon(self._thumbnails.get(tree, node.id)))
            item.setData(0, ID_ROLE, node.id)
            item.setToolTip(0, self._tooltip(node))
            if parent is None:
                self.tree_widget.addTopLevelItem(item)
            else:
                parent.addChild(item)
            self._items[node.id] = item
        self.tree_widget.expandAll()
        self.show_current(tree.current_id)

    def show_current(self, node_id: Optional[str]) -> None:
        """Mark ``node_id`` as current (bold and selected) without emitting a click."""
        # Only the old and the new current row change: a big tree's rows are not all touched.
        for item_id in {self._bold_id, node_id} - {None}:
            marked = self._items.get(item_id)
            if marked is not None:
                font = marked.font(0)
                font.setWeight(QFont.Weight.Bold if item_id == node_id else QFont.Weight.Normal)
                marked.setFont(0, font)
        self._bold_id = node_id
        item = self._items.get(node_id) if node_id else None
        self.tree_widget.blockSignals(True)
        self.tree_widget.setCurrentItem(item) if item is not None else self.tree_widget.clearSelection()
        self.tree_widget.blockSignals(False)
        if item is not None:
            self.tree_widget.scrollToItem(item)

    def node_ids(self) -> list[str]:
        """The node ids shown, parents before children."""
        return list(self._items)

    def item_for(self, node_id: str) -> QTreeWidgetItem:
        """The row showing ``node_id``."""
        return self._items[node_id]

    @staticmethod
    def _tooltip(node) -> str:
        lines = [node.prompt or "(no description)"]
        if node.source_prompt:
            lines.append(f"from: {node.source_prompt}")
        if node.method:
            settings = ", ".join(f"{key} {value}" for key, value in sorted(node.params.items()))
            lines.append(f"{method_label(node.method)}: {settings}; seed {node.seed}")
        if node.model_id:
            lines.append(f"model: {node.model_id}")
        return "\n".join(elide(line, TOOLTIP_LINE_CHARS) for line in lines)

    def _keyboard_moved(self, item: Optional[QTreeWidgetItem], _previous) -> None:
        if item is not None and self.tree_widget.hasFocus() and not self._rebuilding:
            self._clicked(item)

    def _clicked(self, item: QTreeWidgetItem) -> None:
        self.node_clicked.emit(item.data(0, ID_ROLE))

    def _context_menu(self, position: QPoint) -> None:
        item = self.tree_widget.itemAt(position)
        if item is None:
            return
        menu = self.context_menu(item.data(0, ID_ROLE), is_root=item.parent() is None)
        menu.exec(self.tree_widget.viewport().mapToGlobal(position))

    def context_menu(self, node_id: str, is_root: bool) -> QMenu:
        """The right-click menu for a node (built separately so tests can trigger its actions)."""
        menu = QMenu(self)
        menu.addAction(icon("export"), "Export…", lambda: self.export_requested.emit(node_id))
        menu.addAction(icon("branch"), "Edit from here", lambda: self.edit_from_requested.emit(node_id))
        batch = menu.addAction(icon("open"), "Apply this chain to a folder…",
                               lambda: self.batch_requested.emit(node_id))
        batch.setEnabled(not is_root)
        delete = menu.addAction(icon("delete"), "Delete branch", lambda: self.delete_requested.emit(node_id))
        delete.setEnabled(not is_root)
        return menu

"""The layer-history panel: the session's edit tree with thumbnails and prompts.

A click shows a node and makes it current; the context menu exports it, edits from it or
deletes its branch. The panel only emits requests; it redraws from the tree, through an
item model (gui/history_model.py) so a 5,000-result project shows at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QMenu, QTreeView, QVBoxLayout, QWidget

from gui.history_model import ID_ROLE, HistoryModel, RowLayout
from gui.icons import icon
from gui.images import ThumbnailCache
from gui.method_catalog import method_label
from gui.result_labels import elide, how_made

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
        self.model = HistoryModel(thumbnails, node_label, self._tooltip, self.palette().placeholderText().color())
        self.view = QTreeView(self)
        self.view.setObjectName("historyTree")
        self.view.setHeaderHidden(True)
        self.view.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        self.view.setIndentation(14)
        self.view.setUniformRowHeights(True)  # every row is a thumbnail and two lines: no per-row measuring
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.setWordWrap(True)
        self.view.setModel(self.model)
        bold = QFont(self.view.font())
        bold.setWeight(QFont.Weight.Bold)
        self.model.bold_font = bold
        self.view.clicked.connect(self._clicked)
        # Up/Down (and Home/End, Page keys) show the node they land on, like a click.
        self.view.selectionModel().currentChanged.connect(self._keyboard_moved)
        self.view.customContextMenuRequested.connect(self._context_menu)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self._rebuilding = False

    def rebuild(self, tree, undone: frozenset = frozenset(), layout: Optional[RowLayout] = None) -> None:
        """Redraw the whole tree; results in ``undone`` (undone edits, kept as branches) are greyed;
        ``layout``: the tree's rows, when made ahead on the file thread."""
        self._rebuilding = True
        try:
            self.model.reset(tree, undone, layout)
            for index in self.model.branch_indexes():  # few: expandAll would visit all 5,000 rows
                self.view.expand(index)
            self.show_current(tree.current_id if tree is not None else None)
        finally:
            self._rebuilding = False

    def append_result(self, tree, node_id: str) -> bool:
        """Add a new result's row without redrawing the rest (False: the caller rebuilds), so an
        edit in a 5,000-result session does not rebuild 5,000 rows."""
        newest = tree.nodes()[-1] if tree is not None else None
        if newest is None or newest.id != node_id or not self.model.append(newest):
            return False
        self.view.expand(self.model.index_for(newest.parent_id))
        return True

    def show_undone(self, undone: frozenset) -> None:
        """Grey the results in ``undone`` (an undo or redo) and no others."""
        self.model.set_undone(undone)

    def show_current(self, node_id: Optional[str]) -> None:
        """Mark ``node_id`` as current (bold and selected) without emitting a click."""
        self.model.set_bold(node_id)
        index = self.model.index_for(node_id)
        selection = self.view.selectionModel()
        selection.blockSignals(True)
        if index.isValid():
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        else:
            selection.clear()
        selection.blockSignals(False)
        self.view.viewport().update()  # the selection changed with its signals blocked
        if index.isValid():
            self.view.scrollTo(index)

    def node_ids(self) -> list[str]:
        """The node ids shown, parents before children."""
        return self.model.node_ids()

    def index_for(self, node_id: str) -> QModelIndex:
        """The row showing ``node_id``."""
        return self.model.index_for(node_id)

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

    def _keyboard_moved(self, index: QModelIndex, _previous) -> None:
        if index.isValid() and self.view.hasFocus() and not self._rebuilding:
            self._clicked(index)

    def _clicked(self, index: QModelIndex) -> None:
        self.node_clicked.emit(index.data(ID_ROLE))

    def _context_menu(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        if not index.isValid():
            return
        menu = self.context_menu(index.data(ID_ROLE), is_root=not index.parent().isValid())
        menu.exec(self.view.viewport().mapToGlobal(position))

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

"""The layer-history panel's item model: the session's edit tree as rows, with no row objects.

A QTreeWidget builds (and on every change destroys) one item object per node, which takes
seconds for a 5,000-result project. This model only keeps, per live node, where its row is
(built in linear time); labels, tooltips and thumbnails are made when the view asks for a
visible row. A line of edits, each the only child of the one before, is one run of rows at
one depth, not a staircase (a 5,000-edit chain would be 5,000 levels deep, unreadable and slow
to paint): the photo's own line runs on at the top, a line inside a branch sits under the
branch's first row, so the branch's other children stay visibly its siblings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QIcon

from gui.images import ThumbnailCache

ID_ROLE = Qt.ItemDataRole.UserRole
Index = QModelIndex | QPersistentModelIndex


@dataclass
class RowLayout:
    """Where each live node's row is: made by :func:`row_layout`, then owned by one model."""

    ids: list[str] = field(default_factory=list)  # internal id (a list position) -> node id
    number: dict[str, int] = field(default_factory=dict)
    parent: list[int] = field(default_factory=list)  # internal id -> the row parent's internal id (-1: top level)
    row: list[int] = field(default_factory=list)  # internal id -> its row under its row parent
    children: dict[int, list[int]] = field(default_factory=lambda: {-1: []})  # internal id (-1: top) -> its rows
    kids: list[int] = field(default_factory=list)  # internal id -> how many live children the node has


def row_layout(tree) -> RowLayout:
    """The rows of ``tree`` (None: none), in time linear in its nodes; no Qt, so a file thread
    can make it ahead for a big project."""
    layout = RowLayout()
    ids, number, kids = layout.ids, layout.number, layout.kids
    tree_children: dict[int, list[int]] = {-1: []}
    for node in tree.nodes() if tree is not None else ():
        parent = number.get(node.parent_id, -1) if node.parent_id else -1
        if parent == -1 and (node.parent_id or tree_children[-1]):
            continue  # its parent is not live (cannot happen in a consistent tree)
        own = len(ids)
        ids.append(node.id)
        number[node.id] = own
        kids.append(0)
        if parent != -1:
            kids[parent] += 1
        tree_children[parent].append(own)
        tree_children[own] = []
    layout.parent = [-1] * len(ids)
    layout.row = [0] * len(ids)
    for holder in [-1, *(own for own, count in enumerate(kids) if count > 1)]:
        layout.children.setdefault(holder, [])
        for child in tree_children[holder]:
            _place(layout, child, holder)
            # A line of only children is one run of rows, not a staircase: at the top level it
            # goes on beside the photo; in a branch, under its first row, so that the branch's
            # other children stay visibly its siblings.
            run = -1 if holder == -1 else child
            line = child
            while kids[line] == 1:
                line = tree_children[line][0]
                _place(layout, line, run)
    return layout


def _place(layout: RowLayout, own: int, under: int, row: Optional[int] = None) -> None:
    """Put node ``own``'s row under ``under`` (-1: the top level), last or at ``row``."""
    rows = layout.children.setdefault(under, [])
    row = len(rows) if row is None else row
    rows.insert(row, own)
    layout.parent[own], layout.row[own] = under, row
    for later in rows[row + 1:]:
        layout.row[later] += 1


class HistoryModel(QAbstractItemModel):
    """Rows of the edit tree: one column, parents before children, in creation order."""

    def __init__(self, thumbnails: ThumbnailCache, label, tooltip, undone_colour: QColor) -> None:
        super().__init__()
        self._thumbnails = thumbnails
        self._label = label  # (node, undone) -> the row's text
        self._tooltip = tooltip  # node -> the row's tooltip
        self._undone_colour = undone_colour
        self._tree = None
        self._undone: frozenset = frozenset()
        self._layout = RowLayout()  # taken over from row_layout at each reset
        self._icons: dict[str, QIcon] = {}
        self.bold_id: Optional[str] = None
        self.bold_font = QFont()  # the view's font in bold (the panel sets it)

    def reset(self, tree, undone: frozenset, layout: Optional[RowLayout] = None) -> None:
        """Show ``tree`` (None: nothing); ``undone`` results are greyed. ``layout`` is the tree's
        :func:`row_layout` when it was made ahead (off the UI thread, for a big project)."""
        layout = layout if layout is not None else row_layout(tree)
        self.beginResetModel()
        self._tree, self._undone = tree, undone
        self._layout = layout
        self._icons.clear()
        self.bold_id = None
        self.endResetModel()

    def append(self, node) -> bool:
        """Add the row of a new result (newer than every shown node) where a rebuild would put it;
        False (nothing changed) when shown rows would move: its parent's only child gets a
        sibling, so the parent becomes a branch (the caller resets)."""
        layout = self._layout
        parent = layout.number.get(node.parent_id) if node.parent_id else None
        if parent is None or node.id in layout.number or layout.kids[parent] == 1:
            return False
        shown_under = layout.parent[parent]
        if layout.kids[parent] > 1:
            under, row = parent, len(layout.children[parent])  # one more branch
        elif shown_under != -1 and layout.kids[shown_under] > 1:
            under, row = parent, 0  # the first row of a branch (shown under it) starts its run
        else:
            under, row = shown_under, layout.row[parent] + 1  # the run it ends goes on
        self.beginInsertRows(QModelIndex() if under == -1 else self.createIndex(layout.row[under], 0, under), row, row)
        number = len(layout.ids)
        layout.ids.append(node.id)
        layout.number[node.id] = number
        layout.kids.append(0)
        layout.kids[parent] += 1
        layout.parent.append(-1)
        layout.row.append(0)
        _place(layout, number, under, row)
        self.endInsertRows()
        return True

    def set_undone(self, undone: frozenset) -> None:
        """Grey ``undone`` results; only rows whose mark changed are redrawn."""
        changed, self._undone = undone ^ self._undone, undone
        for node_id in changed:
            index = self.index_for(node_id)
            if index.isValid():
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole])

    def branch_indexes(self) -> list[QModelIndex]:
        """The rows that have rows under them (branch points and the first rows of lines in branches)."""
        return [self.createIndex(self._layout.row[number], 0, number) for number in self._layout.children if number != -1]

    def node_ids(self) -> list[str]:
        """The node ids shown, parents before children."""
        return list(self._layout.ids)

    def index_for(self, node_id: Optional[str]) -> QModelIndex:
        """The row of ``node_id`` (invalid when it is not shown)."""
        number = self._layout.number.get(node_id) if node_id is not None else None
        if number is None:
            return QModelIndex()
        return self.createIndex(self._layout.row[number], 0, number)

    def set_bold(self, node_id: Optional[str]) -> None:
        """Show ``node_id`` (the current node) in bold; only the two changed rows are redrawn."""
        previous, self.bold_id = self.bold_id, node_id
        for changed in {previous, node_id} - {None}:
            index = self.index_for(changed)
            if index.isValid():
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.FontRole])

    # -- QAbstractItemModel ----------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        siblings = self._layout.children.get(parent.internalId() if parent.isValid() else -1, [])
        if column != 0 or not 0 <= row < len(siblings):
            return QModelIndex()
        return self.createIndex(row, 0, siblings[row])

    def parent(self, child: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not child.isValid():
            return QModelIndex()
        parent = self._layout.parent[child.internalId()]
        return QModelIndex() if parent == -1 else self.createIndex(self._layout.row[parent], 0, parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if parent.column() > 0:
            return 0
        return len(self._layout.children.get(parent.internalId() if parent.isValid() else -1, ()))

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 1

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:
        return self.rowCount(parent) > 0

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._tree is None:
            return None
        node_id = self._layout.ids[index.internalId()]
        if role == ID_ROLE:
            return node_id
        if role == Qt.ItemDataRole.DisplayRole:
            return self._label(self._tree.node(node_id), node_id in self._undone)
        if role == Qt.ItemDataRole.DecorationRole:
            icon = self._icons.get(node_id)
            if icon is None:
                icon = self._icons[node_id] = QIcon(self._thumbnails.get(self._tree, node_id))
            return icon
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(self._tree.node(node_id))
        if role == Qt.ItemDataRole.ForegroundRole and node_id in self._undone:
            return self._undone_colour
        if role == Qt.ItemDataRole.FontRole and node_id == self.bold_id:
            return self.bold_font
        return None

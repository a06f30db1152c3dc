"""The history panel marks exactly one row, the current node, in bold, also in a big tree."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from gui.history_panel import HistoryPanel
from gui.images import ThumbnailCache
from tests.large_projects import large_tree


def _bold_ids(panel: HistoryPanel) -> list[str]:
    fonts = {node_id: panel.index_for(node_id).data(Qt.ItemDataRole.FontRole) for node_id in panel.node_ids()}
    return [node_id for node_id, font in fonts.items() if font is not None and font.weight() == QFont.Weight.Bold]


def test_only_the_current_row_is_bold_after_moving_and_rebuilding(qtbot):
    panel = HistoryPanel(ThumbnailCache())
    qtbot.addWidget(panel)
    tree = large_tree(300, "star")
    panel.rebuild(tree)
    assert _bold_ids(panel) == [tree.current_id]
    panel.show_current("n7")
    panel.show_current("n42")
    assert _bold_ids(panel) == ["n42"]
    tree.current_id = "n3"
    panel.rebuild(tree)  # new rows: the old bold row is gone, the new current one is bold
    assert _bold_ids(panel) == ["n3"]
    panel.show_current(None)
    assert _bold_ids(panel) == []


def test_rows_follow_the_tree_branches_parents_and_order(qtbot):
    from PIL import Image

    from core.session.node import EditNode

    panel = HistoryPanel(ThumbnailCache())
    qtbot.addWidget(panel)
    tree = large_tree(4, "chain")  # n0 -> n1 -> n2 -> n3
    image = Image.new("RGB", (16, 16))
    for node_id, parent in (("b1", "n1"), ("b2", "n0"), ("b3", "n1")):
        tree.insert(EditNode(node_id, parent, "edit", f"edit {node_id}", source_prompt="root"), image)
    tree.set_deleted(["n2"], True)  # its child n3 goes with it from the live nodes
    panel.rebuild(tree, undone=frozenset({"b3"}))

    assert panel.node_ids() == ["n0", "n1", "b1", "b2", "b3"]
    model = panel.model
    children = lambda node_id: [model.index(row, 0, panel.index_for(node_id)).data(Qt.ItemDataRole.UserRole)
                                for row in range(model.rowCount(panel.index_for(node_id)))]
    assert children("n0") == ["n1", "b2"] and children("n1") == ["b1", "b3"] and children("b1") == []
    assert model.rowCount() == 1 and not panel.index_for("n0").parent().isValid()
    assert panel.index_for("b3").parent() == panel.index_for("n1")
    assert not panel.index_for("n3").isValid()  # deleted rows are not shown
    assert panel.index_for("b3").data().endswith("· undone")
    assert panel.index_for("b3").data(Qt.ItemDataRole.ForegroundRole) is not None
    assert panel.index_for("b1").data(Qt.ItemDataRole.ForegroundRole) is None
    assert all(panel.view.isExpanded(panel.index_for(node_id)) for node_id in ("n0", "n1"))

    panel.resize(320, 600)
    panel.show()
    qtbot.waitExposed(panel)
    clicked = []
    panel.node_clicked.connect(clicked.append)
    rect = panel.view.visualRect(panel.index_for("b2"))
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert clicked == ["b2"]


def _top_rows(panel):
    model = panel.model
    return [model.index(row, 0).data(Qt.ItemDataRole.UserRole) for row in range(model.rowCount())]


def test_a_line_of_edits_is_one_run_of_rows_and_new_results_land_where_a_rebuild_puts_them(qtbot):
    from PIL import Image

    from core.session.node import EditNode

    panel = HistoryPanel(ThumbnailCache())
    qtbot.addWidget(panel)
    tree = large_tree(4, "chain")  # n0 -> n1 -> n2 -> n3: no branch, so no indentation
    panel.rebuild(tree)
    assert _top_rows(panel) == ["n0", "n1", "n2", "n3"]

    def add(node_id, parent):
        tree.insert(EditNode(node_id, parent, "edit", node_id, source_prompt="root"), Image.new("RGB", (16, 16)))
        return panel.append_result(tree, node_id)

    def rows_of(panel_):
        model = panel_.model
        out = []

        def walk(parent, depth):
            for row in range(model.rowCount(parent)):
                index = model.index(row, 0, parent)
                out.append((index.data(Qt.ItemDataRole.UserRole), depth))
                walk(index, depth + 1)
        walk(panel_.model.index_for(None), 0)
        return out

    assert add("n4", "n3")  # the line goes on
    assert not add("b1", "n1")  # n1's only child gets a sibling: rows move, so the caller rebuilds
    panel.rebuild(tree)
    assert add("b2", "n1") and add("c1", "b2")  # a third branch, then a line under it
    fresh = HistoryPanel(ThumbnailCache())
    qtbot.addWidget(fresh)
    fresh.rebuild(tree)
    # The photo's own line stays at the top; in n1's three branches each line sits under its
    # first row, so b1 and b2 are visibly n2's siblings, not continuations of n4.
    assert rows_of(panel) == rows_of(fresh) == [
        ("n0", 0), ("n1", 0), ("n2", 1), ("n3", 2), ("n4", 2), ("b1", 1), ("b2", 1), ("c1", 2)]
    assert add("c2", "c1") and add("b3", "n1") and add("b4", "b1")  # a run goes on; a new branch; a run starts
    fresh.rebuild(tree)
    assert rows_of(panel) == rows_of(fresh) == [
        ("n0", 0), ("n1", 0), ("n2", 1), ("n3", 2), ("n4", 2), ("b1", 1), ("b4", 2), ("b2", 1), ("c1", 2), ("c2", 2),
        ("b3", 1)]

"""The history panel marks exactly one row, the current node, in bold, also in a big tree."""

from __future__ import annotations

from PySide6.QtGui import QFont

from gui.history_panel import HistoryPanel
from gui.images import ThumbnailCache
from tests.large_projects import large_tree


def _bold_ids(panel: HistoryPanel) -> list[str]:
    return [node_id for node_id in panel.node_ids()
            if panel.item_for(node_id).font(0).weight() == QFont.Weight.Bold]


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

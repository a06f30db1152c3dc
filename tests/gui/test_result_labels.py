"""Results are told apart: labels show what differs, how each was made stays visible, undone is marked."""

from __future__ import annotations

from PySide6.QtCore import Qt

from gui.result_labels import distinct_labels
from tests.gui.helpers import edit, open_photo


def test_batch_labels_show_what_differs():
    assert distinct_labels(["a photo of a street in snow", "a photo of a street at night"]) == ["…in snow",
                                                                                                 "…at night"]
    assert distinct_labels(["a red car, photo", "a blue car, photo"]) == ["…red…", "…blue…"]
    assert distinct_labels(["same", "same"]) == ["same", "same"]
    assert distinct_labels(["one prompt that is much longer than the strip"]) == ["one prompt that is mu…"]


def test_strip_shows_one_batch_history_keeps_how_made_and_marks_undone(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    root = window.controller.tree.root_id
    older = edit(qtbot, window, "a photo of a street", "a photo of a street in snow")[0]
    window.controller.set_current(root)
    long_prompt = "a photo of a street " + "with many tall old houses and trees " * 4
    batch = edit(qtbot, window, "a photo of a street", f"{long_prompt}\na photo of a street at night")
    assert window.variations.node_ids() == batch  # the earlier edit of the same photo is not mixed in
    assert older not in window.variations.node_ids()

    row = window.history_panel.index_for(batch[0]).data()
    prompt_line, made_line = row.split("\n")
    assert prompt_line.endswith("…") and len(prompt_line) <= 44
    assert made_line == "Stable Flow · seed 42 · 4 steps"
    tooltip = window.history_panel.index_for(batch[0]).data(Qt.ItemDataRole.ToolTipRole)
    assert max(len(line) for line in tooltip.splitlines()) <= 90

    window.menu_actions.undo.trigger()
    assert window.history_panel.index_for(batch[0]).data().endswith("· undone")
    assert not window.history_panel.index_for(older).data().endswith("· undone")
    window.menu_actions.redo.trigger()
    assert not window.history_panel.index_for(batch[0]).data().endswith("· undone")

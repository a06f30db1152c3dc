"""Results are told apart: labels show what differs, how each was made stays visible, undone is marked."""

from __future__ import annotations

from PySide6.QtCore import Qt

from core.session.session_editing import EditSession
from gui.result_labels import distinct_labels, same_batch
from tests.core.session_helpers import engine, photo_file  # noqa: F401 (fixtures)
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


def test_two_jobs_with_one_recipe_made_in_the_same_instant_are_two_batches(engine, photo_file):
    # A fast machine finishes one edit and the next within milliseconds: only the job tells them apart.
    session = EditSession()
    root = session.open_photo(photo_file, "a photo")
    first = session.edit(engine, root.id, ["a photo of a cat", "a photo of a dog"], params={"steps": 2}, max_sequence_length=16)
    second = session.edit(engine, root.id, ["a photo of a cat"], params={"steps": 2}, max_sequence_length=16)
    for node in first + second:
        node.created_at = first[0].created_at
    assert same_batch(session.tree, first[1]) == first
    assert same_batch(session.tree, second[0]) == second


def test_edits_saved_before_batch_ids_are_grouped_by_recipe_and_time(engine, photo_file):
    session = EditSession()
    root = session.open_photo(photo_file, "a photo")
    first = session.edit(engine, root.id, ["a photo of a cat", "a photo of a dog"], params={"steps": 2}, max_sequence_length=16)
    second = session.edit(engine, root.id, ["a photo of a cat"], params={"steps": 2}, max_sequence_length=16)
    for node in first + second:
        node.batch_id = None
    second[0].created_at = first[0].created_at + 1.0
    assert same_batch(session.tree, first[0]) == first
    assert same_batch(session.tree, second[0]) == second

"""The editor end to end on the tiny model: open, edit with progress, history, undo, redo, branch."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from tests.gui.helpers import EDIT_TIMEOUT_MS, edit, open_file, open_photo


def click_history(qtbot, window, node_id: str) -> None:
    """Click a node's row in the history panel."""
    view = window.history_panel.view
    rect = view.visualRect(window.history_panel.index_for(node_id))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_photo_edit_shows_progress_and_lands_in_history(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    root = window.controller.tree.root_id
    assert window.history_panel.node_ids() == [root]
    assert window.canvas.has_image() and not window.canvas.can_compare()

    progress, previews = [], []
    window.controller.edit_progress.connect(lambda text, step, total: progress.append((text, step, total)))
    window.controller.edit_preview.connect(lambda image: previews.append(image.size().toTuple()))
    ids = edit(qtbot, window, "a photo of a street", "a photo of a street in snow")

    texts = [text for text, _, _ in progress]
    assert "Inverting the photo 4/4" in texts and "Editing 4/4" in texts  # every phase reports its end
    assert all(step <= total for _, step, total in progress)
    done = [step for _, step, _ in progress]
    assert done == sorted(done) and progress[-1][1] == progress[-1][2]  # one bar for the whole job, never restarting
    assert previews and set(previews) == {(64, 64)}  # a live preview of the edit, at most a few a second
    assert window.history_panel.node_ids() == [root, *ids]
    assert window.controller.tree.current_id == ids[0]
    assert window.history_panel.view.currentIndex() == window.history_panel.index_for(ids[0])
    assert window.canvas.can_compare()  # the edit is compared against the photo it came from
    assert not window.status.progress.isVisible()
    assert window.edit_panel.edit_button.isEnabled() and not window.edit_panel.cancel_button.isEnabled()


def test_undo_redo_keep_results_and_branching_adds_a_sibling(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    root = window.controller.tree.root_id
    first = edit(qtbot, window, "a photo of a street", "a photo of a street in snow")[0]
    second = edit(qtbot, window, "a photo of a street in snow", "a photo of a street in snow at night")[0]
    tree = window.controller.tree
    assert tree.node(second).parent_id == first

    window.setFocus()
    QTest.keySequence(window, QKeySequence("Ctrl+Z"))
    assert tree.current_id == first
    window.menu_actions.undo.trigger()
    assert tree.current_id == root
    assert set(window.history_panel.node_ids()) == {root, first, second}  # undo never destroys a result
    QTest.keySequence(window, QKeySequence("Ctrl+Shift+Z"))
    assert tree.current_id == first
    window.menu_actions.undo.trigger()

    # Clicking a node makes it current; editing it starts a new branch.
    click_history(qtbot, window, first)
    assert tree.current_id == first
    click_history(qtbot, window, root)
    assert tree.current_id == root
    branch = edit(qtbot, window, "a photo of a street", "a photo of a street in autumn")[0]
    assert [node.id for node in tree.children(root)] == [first, branch]
    assert window.history_panel.index_for(branch).parent() == window.history_panel.index_for(root)
    # The undo stack now ends with the branch: redo has nothing left of the old line.
    assert not window.controller.undo_stack.canRedo()


def test_a_batch_shows_variations_side_by_side_and_a_click_picks_one(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    ids = edit(qtbot, window, "a photo of a street", "a photo of a street in snow\na photo of a street at night")
    assert len(ids) == 2
    strip = window.variations
    assert strip.isVisible() and strip.node_ids() == ids
    assert [strip.item(row).text() for row in range(2)] == ["…in snow", "…at night"]  # what differs
    item = strip.item(1)
    qtbot.mouseClick(strip.viewport(), Qt.MouseButton.LeftButton, pos=strip.visualItemRect(item).center())
    assert window.controller.tree.current_id == ids[1]
    assert window.edit_panel.source_prompt.text() == "a photo of a street at night"


def test_generated_start_then_edit_of_the_result_needs_no_inversion(qtbot, window):
    progress = []
    window.controller.edit_progress.connect(lambda text, step, total: progress.append(text))
    ids = edit(qtbot, window, "a photo of a dog", "a photo of a cat")
    tree = window.controller.tree
    assert tree.node(tree.root_id).kind == "generated"
    assert window.history_panel.node_ids() == [tree.root_id, *ids]
    assert window.edit_panel.main_params.widgets["steps"].isEnabled() is False  # fixed by the trajectory

    progress.clear()
    again = edit(qtbot, window, "a photo of a cat", "a photo of a cat wearing a hat")
    assert tree.node(again[0]).parent_id == ids[0]
    assert not any(text.startswith("Inverting") for text in progress)


def test_a_bad_parameter_shows_inline_and_the_next_edit_works(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    window.edit_panel.source_prompt.setText("a photo of a street")
    window.edit_panel.edit_prompts.setPlainText("")
    window.run_edit()  # no edit prompt: refused on the worker with one line
    qtbot.waitUntil(lambda: bool(window.edit_panel.error_text()), timeout=EDIT_TIMEOUT_MS)
    assert "edit prompt" in window.edit_panel.error_text()
    assert "\n" not in window.edit_panel.error_text()
    ids = edit(qtbot, window, "a photo of a street", "a photo of a street in snow")
    assert window.edit_panel.error_text() == ""
    assert ids[0] in window.history_panel.node_ids()


def test_an_unreadable_photo_leaves_the_session_as_it_was(qtbot, window, tmp_path, monkeypatch):
    open_photo(window, tmp_path)
    ids = edit(qtbot, window, "a photo of a street", "a photo of a street in snow")
    shown = window.history_panel.node_ids()
    questions = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *args, **kwargs: questions.append(args[2]) or QMessageBox.StandardButton.Discard)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really a png")

    assert not open_file(window, broken)
    assert questions and "not saved" in questions[0]  # unsaved work: the user was asked first
    assert window.notice_bar.isVisible() and "broken.png" in window.notice_bar.label.text()
    assert window.history_panel.node_ids() == shown
    assert window.controller.tree.current_id == ids[0]


def test_history_follows_the_keyboard_and_a_small_window_keeps_its_controls(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    root = window.controller.tree.root_id
    first = edit(qtbot, window, "a photo of a street", "a photo of a street in snow")[0]
    view = window.history_panel.view
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    QTest.keyClick(view, Qt.Key.Key_Up)
    assert window.controller.tree.current_id == root  # Up shows the node above
    QTest.keyClick(view, Qt.Key.Key_Down)
    assert window.controller.tree.current_id == first

    window.resize(800, 600)
    qtbot.wait(50)
    assert window.compare_bar.slider.width() >= 120
    panel = window.edit_panel
    assert panel.edit_button.height() >= panel.edit_button.sizeHint().height()  # scrolls, never squashed
    assert panel.height() >= panel.minimumSizeHint().height()

"""The editor's fast preview: opt-in, run with the preview settings, labelled, rendered at full quality."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from gui.controller import PREVIEW_NEEDS_IMAGE
from gui.edit_settings import EditSettings
from gui.result_labels import how_made
from gui.self_test import fill_edit_panel
from tests.gui.helpers import EDIT_TIMEOUT_MS, edit, open_photo

SOURCE, PROMPT = "a photo of a street", "a photo of a street in snow"
FULL_STEPS, FULL_TOKENS = 16, 256  # the preview: a quarter of the steps, 128 text tokens
LONG_EDIT_STEPS = 1000


def set_up(window, steps: int = FULL_STEPS, preview: bool = True) -> None:
    """Fill the panel for a photo edit at ``steps`` and FULL_TOKENS text tokens, Preview on or off."""
    panel = window.edit_panel
    fill_edit_panel(window, SOURCE, PROMPT, steps=steps)
    panel.max_sequence_length.setValue(FULL_TOKENS)
    panel.preview.setChecked(preview)


def record_phases(window) -> dict[str, int]:
    """phase -> the step total the worker reported for it (filled as the next job runs)."""
    totals: dict[str, int] = {}
    window.controller.host.progress.connect(lambda _job, phase, _step, total: totals.__setitem__(phase, total))
    return totals


def press(qtbot, window, button) -> str:
    """Click ``button`` (Edit, Render full quality); the first new node id."""
    with qtbot.waitSignal(window.controller.edit_finished, timeout=EDIT_TIMEOUT_MS) as finished:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    return finished.args[0][0]


def preview_edit(qtbot, window, tmp_path) -> str:
    """Open the photo, run a fast preview of the edit; the preview's node id."""
    open_photo(window, tmp_path)
    set_up(window)
    return press(qtbot, window, window.edit_panel.edit_button)


def assert_full_quality_of(window, node_id: str, preview_id: str) -> None:
    """``node_id`` is the preview's edit at full settings: same parent, prompts, method and seed."""
    tree = window.controller.tree
    node, preview = tree.node(node_id), tree.node(preview_id)
    assert (node.parent_id, node.prompt, node.source_prompt, node.method, node.seed) == \
        (preview.parent_id, preview.prompt, preview.source_prompt, preview.method, preview.seed)
    assert (node.params["steps"], node.max_sequence_length, node.preview) == (FULL_STEPS, FULL_TOKENS, None)
    assert tree.contains(preview_id) and tree.current_id == node_id  # a sibling: the preview stays


def test_a_preview_runs_with_fewer_steps_and_text_tokens_and_is_labelled(qtbot, window, tmp_path):
    panel = window.edit_panel
    assert not panel.preview.isEnabled()  # nothing open: a generated start is made at full quality
    open_photo(window, tmp_path)
    set_up(window)
    assert panel.preview_note.isVisible()
    assert panel.preview_note.text() == "Preview: 4 steps instead of 16, 128 text tokens instead of 256."
    panel.max_sequence_length.setValue(64)  # already shorter than a preview's: it is not "64 instead of 64"
    assert panel.preview_note.text() == "Preview: 4 steps instead of 16, 64 text tokens (already short)."
    panel.max_sequence_length.setValue(FULL_TOKENS)
    assert panel.main_params.widgets["steps"].value() == FULL_STEPS  # the fields keep the full settings
    totals = record_phases(window)
    node = window.controller.tree.node(press(qtbot, window, panel.edit_button))
    assert (totals["invert"], totals["edit"]) == (4, 4)
    assert (node.params["steps"], node.max_sequence_length) == (4, 128)
    assert node.preview == {"params": {"steps": FULL_STEPS}, "max_sequence_length": FULL_TOKENS}

    label = window.history_panel.index_for(node.id).data().split("\n")[1]
    assert label == how_made(node) == "Preview · Stable Flow · seed 42 · 4 steps"
    assert "fast preview: Render full quality" in window.status.currentMessage()
    assert panel.render_full_button.isVisible() and "fast preview (4 steps, 128 text tokens)" in \
        panel.preview_result_note.text()
    window.controller.set_current(node.parent_id)
    assert not panel.render_full_button.isVisible()  # only on a preview
    window.grab().save(str(tmp_path / "preview.png"))


def test_render_full_quality_is_the_same_edit_at_full_settings_beside_the_preview(qtbot, window, tmp_path):
    preview_id = preview_edit(qtbot, window, tmp_path)
    tree = window.controller.tree
    root = tree.root_id
    window.controller.set_current(root)  # switch node, type something else, come back
    window.edit_panel.edit_prompts.setPlainText("a photo of a street at night")
    window.edit_panel.preview.setChecked(False)
    window.controller.set_current(preview_id)
    full_id = press(qtbot, window, window.edit_panel.render_full_button)
    assert_full_quality_of(window, full_id, preview_id)
    assert not window.edit_panel.render_full_button.isVisible()

    window.controller.set_current(root)  # the same edit typed in by hand with Preview off
    set_up(window, preview=False)
    by_hand = press(qtbot, window, window.edit_panel.edit_button)
    assert tree.node(by_hand).recipe() == tree.node(full_id).recipe()
    # It reuses the cached inversion and recorded K/V: equal up to float rounding (README: Performance).
    difference = np.abs(np.asarray(tree.image(by_hand), int) - np.asarray(tree.image(full_id), int))
    assert difference.max() <= 1

    window.controller.set_current(by_hand)  # from the controller, while another node is shown
    with qtbot.waitSignal(window.controller.edit_finished, timeout=EDIT_TIMEOUT_MS) as finished:
        window.controller.render_full_quality(preview_id)
    assert_full_quality_of(window, finished.args[0][0], preview_id)


def test_render_full_quality_right_after_a_cancel_starts_once_the_cancelled_edit_stops(qtbot, window, tmp_path):
    preview_id = preview_edit(qtbot, window, tmp_path)
    panel = window.edit_panel
    set_up(window, steps=LONG_EDIT_STEPS, preview=False)  # a long edit of the preview itself
    started = []
    window.controller.edit_progress.connect(lambda text, step, total: started.append(step))
    qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(started) >= 2, timeout=EDIT_TIMEOUT_MS)
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert panel.render_full_button.isEnabled()
    with qtbot.waitSignal(window.controller.edit_cancelled, timeout=EDIT_TIMEOUT_MS):
        full_id = press(qtbot, window, panel.render_full_button)
    assert_full_quality_of(window, full_id, preview_id)
    assert window.controller.tree.children(preview_id) == []  # the cancelled edit left nothing


def test_preview_without_an_open_image_or_of_a_full_result_is_refused_in_one_line(qtbot, window, tmp_path):
    with qtbot.waitSignal(window.controller.edit_failed) as failed:
        window.controller.run_edit(EditSettings(SOURCE, (PROMPT,), preview=True))
    assert failed.args == [PREVIEW_NEEDS_IMAGE]
    open_photo(window, tmp_path)
    full = edit(qtbot, window, SOURCE, PROMPT)[0]
    with qtbot.waitSignal(window.controller.edit_failed) as failed:
        window.controller.render_full_quality(full)
    assert "Only a fast preview can be rendered at full quality" in failed.args[0]

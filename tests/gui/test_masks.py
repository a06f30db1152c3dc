"""Masks in the editor: paint with the brush, edit, undo, redo; the overlay and the result follow."""

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QKeySequence, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from gui.mask_layer import qimage_to_mask
from gui.self_test import fill_edit_panel
from tests.gui.helpers import EDIT_TIMEOUT_MS, edit, open_file, open_photo, save_project


def drag(window, points):
    """Press the left button at the first image point, move through the others, release at the last."""
    canvas = window.canvas
    viewport = canvas.viewport()
    positions = [canvas.mapFromScene(QPointF(*point)) for point in points]
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, positions[0])
    for position in positions[1:]:
        event = QMouseEvent(QEvent.Type.MouseMove, QPointF(position), QPointF(viewport.mapToGlobal(position)),
                            Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, event)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, positions[-1])


def shown_mask(window) -> np.ndarray:
    image = window.masks.layer.image
    return np.asarray(qimage_to_mask(image)) if image is not None else None


def test_paint_with_the_brush_edit_undo_and_redo(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    tree = window.controller.tree
    root = tree.root_id
    masks = window.masks
    assert not masks.overlay.has_overlay()
    masks.toolbar.choose("brush")
    masks.toolbar.size.setValue(12)
    drag(window, [(40, 8), (44, 20), (48, 32), (52, 44), (56, 56)])
    painted = shown_mask(window)
    assert masks.overlay.has_overlay() and painted[:, :30].max() == 0 and painted[30:, 40:].max() == 255

    (result,) = edit(qtbot, window, "a photo of a street", "a photo of a red car")
    assert tree.current_id == result and tree.node(result).masked
    assert np.array_equal(np.asarray(tree.mask(result)), painted)
    keep = painted == 0
    edited, photo = np.asarray(tree.image(result)), np.asarray(tree.image(root))
    assert np.array_equal(edited[keep], photo[keep]) and not np.array_equal(edited[~keep], photo[~keep])
    assert masks.overlay.has_overlay() and np.array_equal(shown_mask(window), painted)  # the result's mask

    window.setFocus()
    QTest.keySequence(window, QKeySequence("Ctrl+Z"))  # the edit
    assert tree.current_id == root and np.array_equal(shown_mask(window), painted)  # ready to try again
    QTest.keySequence(window, QKeySequence("Ctrl+Z"))  # the stroke
    assert tree.current_id == root and not masks.overlay.has_overlay() and shown_mask(window).max() == 0
    QTest.keySequence(window, QKeySequence("Ctrl+Shift+Z"))
    assert np.array_equal(shown_mask(window), painted) and masks.overlay.has_overlay()
    QTest.keySequence(window, QKeySequence("Ctrl+Shift+Z"))
    assert tree.current_id == result and np.array_equal(shown_mask(window), painted)

    # Selecting the photo shows its own (painted) draft; the result shows the mask of its edit.
    window.controller.set_current(root)
    assert np.array_equal(shown_mask(window), painted)
    masks.layer.clear()
    assert not masks.overlay.has_overlay()
    window.controller.set_current(result)
    assert np.array_equal(shown_mask(window), painted)
    window.controller.set_current(root)
    (whole,) = edit(qtbot, window, "a photo of a street", "a photo of a street in snow")
    assert not tree.node(whole).masked and tree.mask(whole) is None  # an empty mask edits the whole image


def test_rectangle_lasso_eraser_invert_feather_and_the_size_keys(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    masks = window.masks
    toolbar = masks.toolbar
    toolbar.choose("rectangle")
    drag(window, [(4, 4), (20, 12), (30, 20)])
    mask = shown_mask(window)
    assert mask[5:19, 5:29].min() == 255 and mask[25:].max() == 0 and mask[:, 35:].max() == 0
    toolbar.choose("lasso")
    drag(window, [(40, 40), (60, 40), (60, 60), (40, 60)])
    mask = shown_mask(window)
    assert mask[45:55, 45:55].min() == 255 and mask[35:38, 45:55].max() == 0
    toolbar.choose("eraser")
    toolbar.size.setValue(6)
    drag(window, [(10, 8), (24, 8)])
    erased = shown_mask(window)
    assert erased[8, 12:22].max() == 0 and erased[16, 12:22].min() == 255
    toolbar.invert_button.click()
    assert np.array_equal(shown_mask(window), 255 - erased)
    toolbar.invert_button.click()
    toolbar.feather_radius.setValue(3)
    toolbar.feather_button.click()
    soft = shown_mask(window)
    assert ((soft > 0) & (soft < 255)).sum() > ((erased > 0) & (erased < 255)).sum()
    toolbar.clear_button.click()
    assert shown_mask(window).max() == 0 and not masks.overlay.has_overlay()
    assert window.controller.undo_stack.count() == 7  # every mask change is one undoable step
    window.controller.undo_stack.undo()
    assert np.array_equal(shown_mask(window), soft)

    window.canvas.setFocus()
    size = toolbar.size.value()
    QTest.keyClick(window.canvas, "]")
    assert toolbar.size.value() > size
    QTest.keyClick(window.canvas, "[")
    QTest.keyClick(window.canvas, "[")
    assert toolbar.size.value() < size
    window.edit_panel.edit_prompts.setFocus()
    QTest.keyClicks(window.edit_panel.edit_prompts, "[x]")
    assert window.edit_panel.edit_prompts.toPlainText() == "[x]"  # typing keeps its brackets

    toolbar.choose("pan")
    assert window.canvas.dragMode() == window.canvas.DragMode.ScrollHandDrag
    before = shown_mask(window)
    drag(window, [(10, 50), (30, 50)])
    assert np.array_equal(shown_mask(window), before)  # panning never paints


def test_a_masked_result_shows_its_mask_after_the_project_is_reopened(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    window.masks.toolbar.choose("rectangle")
    drag(window, [(0, 0), (31, 63)])
    (result,) = edit(qtbot, window, "a photo of a street", "a photo of a red car")
    painted = shown_mask(window)
    project = tmp_path / "p.sfproj"
    assert save_project(window, project)
    window.controller.new_session()
    assert window.masks.layer.image is None and not window.masks.toolbar.isEnabled()
    assert open_file(window, project)
    window.controller.set_current(result)
    assert np.array_equal(shown_mask(window), painted) and window.masks.overlay.has_overlay()


def test_a_cancelled_masked_edit_keeps_the_mask_for_the_next_one(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    window.masks.toolbar.choose("rectangle")
    drag(window, [(32, 0), (63, 63)])
    painted = shown_mask(window)
    fill_edit_panel(window, "a photo of a street", "a photo of a red car")
    window.edit_panel.main_params.widgets["steps"].setValue(1000)
    steps = []
    window.controller.edit_progress.connect(lambda text, step, total: steps.append(step))
    qtbot.mouseClick(window.edit_panel.edit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(steps) >= 2, timeout=EDIT_TIMEOUT_MS)
    with qtbot.waitSignal(window.controller.edit_cancelled, timeout=EDIT_TIMEOUT_MS):
        qtbot.mouseClick(window.edit_panel.cancel_button, Qt.MouseButton.LeftButton)
    tree = window.controller.tree
    assert tree.children(tree.root_id) == [] and np.array_equal(shown_mask(window), painted)
    (result,) = edit(qtbot, window, "a photo of a street", "a photo of a red car")
    keep = painted == 0
    assert np.array_equal(np.asarray(tree.image(result))[keep], np.asarray(tree.image(tree.root_id))[keep])


def test_a_painted_mask_not_yet_used_is_in_the_saved_project_and_an_undone_one_is_not(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    root = window.controller.tree.root_id
    window.masks.toolbar.choose("rectangle")
    drag(window, [(0, 0), (31, 63)])
    painted = shown_mask(window)
    assert window.controller.is_modified
    project = tmp_path / "p.sfproj"
    assert save_project(window, project)
    window.controller.new_session()
    assert open_file(window, project)
    assert window.controller.tree.root_id == root and np.array_equal(shown_mask(window), painted)
    assert window.masks.overlay.has_overlay()
    (result,) = edit(qtbot, window, "a photo of a street", "a photo of a red car")  # the reopened mask is used
    assert np.array_equal(np.asarray(window.controller.tree.mask(result)), painted)

    window.controller.set_current(root)
    window.masks.toolbar.choose("lasso")
    drag(window, [(40, 40), (60, 40), (60, 60), (40, 60)])
    window.controller.undo_stack.undo()  # the lasso: the photo's draft is the rectangle again
    assert np.array_equal(shown_mask(window), painted)
    assert save_project(window, project)
    window.controller.new_session()
    assert open_file(window, project)
    assert np.array_equal(np.asarray(window.controller.tree.draft(root)), painted)

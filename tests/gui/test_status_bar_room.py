"""A long model line in the status bar leaves room for the message of what just happened."""

from __future__ import annotations

from tests.gui.helpers import edit, open_photo

MODEL_LINE = ("tiny-random on CPU (CUDA not available: this is the CPU build of PyTorch) · "
              "memory: everything in memory (automatic: no CUDA GPU)")


def test_the_done_message_is_not_cut_by_the_model_line_whose_whole_text_stays_in_the_tooltip(qtbot, window,
                                                                                             tmp_path):
    window.status.show_model(MODEL_LINE)
    open_photo(window, tmp_path)
    root = window.controller.tree.root_id
    edit(qtbot, window, "a photo of a street", "a photo of a street in snow")
    window.controller.set_current(root)
    edit(qtbot, window, "a photo of a street", "a photo of a street in fog\na photo of a street at night")
    message = window.status.currentMessage()
    assert message.startswith("Done: 2 results · re-edit memory replayed")
    window.resize(1100, 800)  # a laptop's window
    qtbot.waitUntil(lambda: window.status.width() <= 1100)
    qtbot.wait(50)  # let the bar lay out its widgets
    label = window.status.model_label
    room = label.geometry().left()
    assert window.status.fontMetrics().horizontalAdvance(message) < room
    assert label.text() == MODEL_LINE and label.toolTip() == MODEL_LINE

    window.status.show_model("No model")
    assert window.status.model_label.toolTip() == ""  # shown whole: nothing to repeat

"""The status bar says how much of a re-edit came from the recorded source K/V (issue 17 item 7)."""

from __future__ import annotations

from tests.gui.helpers import edit, open_photo


def test_a_re_edit_of_the_same_photo_says_how_much_was_replayed(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    edit(qtbot, window, "a photo of a street", "a photo of a street in snow")
    assert window.controller.last_kv_replay_share == 0.0  # the first edit records the K/V
    assert "replayed" not in window.status.currentMessage()
    window.controller.set_current(window.controller.tree.root_id)
    edit(qtbot, window, "a photo of a street", "a photo of a street at night")
    assert window.controller.last_kv_replay_share == 1.0  # the tiny model's K/V fit the default budget
    assert "re-edit memory replayed 100% of the steps" in window.status.currentMessage()

"""The description of the image belongs to the node shown: it never leaks into another photo."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from tests.gui.helpers import edit, open_photo, wait_for


def drop_file(window, path) -> None:
    """Drop ``path`` on the window like a file manager would, and wait until it has opened."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    assert wait_for(window.controller.opened, lambda: window.dropEvent(drop) or True)[1]


def test_photo_a_described_and_edited_then_photo_b_starts_empty(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.Discard)
    panel = window.edit_panel
    open_photo(window, tmp_path, "a.png")
    result = edit(qtbot, window, "a photo of a street", "a photo of a street in snow")[0]
    assert panel.source_prompt.text() == "a photo of a street in snow"  # a result shows its own prompt

    open_photo(window, tmp_path, "b.png")
    assert panel.source_prompt.text() == ""  # B has no description of its own yet
    sent = []
    window.controller.host.submit = lambda job: sent.append(job) or job.id  # record the request, run nothing
    panel.edit_prompts.setPlainText("a photo of a street at night")
    window.run_edit()
    assert sent and sent[0].request.source_prompt == ""  # never A's description
    assert result not in window.history_panel.node_ids()

    window.controller.new_session()
    assert panel.source_prompt.text() == ""


def test_switching_nodes_shows_each_nodes_description(qtbot, window, tmp_path, monkeypatch):
    panel = window.edit_panel
    open_photo(window, tmp_path)
    root = window.controller.tree.root_id
    first = edit(qtbot, window, "a photo of a street", "a photo of a street in snow")[0]
    window.controller.set_current(root)
    assert panel.source_prompt.text() == "a photo of a street"  # the description the photo was edited with
    panel.source_prompt.setText("a wide photo of a street")
    window.controller.set_current(first)
    assert panel.source_prompt.text() == "a photo of a street in snow"
    window.controller.set_current(root)
    assert panel.source_prompt.text() == "a wide photo of a street"  # what was typed for the photo

    # A photo opened from the recent files or by drag and drop starts with its own (empty) description.
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.Discard)
    other = tmp_path / "other.png"
    other.write_bytes((tmp_path / "photo.png").read_bytes())
    drop_file(window, other)
    assert window.controller.tree.node(window.controller.tree.root_id).image_path == str(other.resolve())
    assert panel.source_prompt.text() == ""


def test_a_long_description_shows_its_start_when_a_result_is_shown(qtbot, window, tmp_path):
    panel = window.edit_panel
    open_photo(window, tmp_path)
    long_prompt = "a photo of a street with many tall old houses and trees under a grey winter sky, in snow"
    edit(qtbot, window, "a photo of a street", long_prompt)
    field = panel.source_prompt
    assert field.text() == long_prompt
    assert field.fontMetrics().horizontalAdvance(long_prompt) > field.width()  # it does not fit
    assert field.cursorPosition() == 0  # so its start shows, not "…trees under a grey winter sky, in snow"

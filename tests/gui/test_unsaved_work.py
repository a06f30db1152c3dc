"""No lost work on quit: any result no saved project holds makes Quit (and replacing the session) ask."""

from __future__ import annotations

import json

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from core.session.autosave import OWNER, Autosave
from core.session.node import EditNode, new_node_id
from core.session.operations import AddNodes
from core.session.session_editing import EditSession
from gui.self_test import sample_photo
from gui.settings import TINY_MODEL, AppSettings
from tests.gui.helpers import (
    ENGINE_TIMEOUT_MS,
    close_window,
    edit,
    open_file,
    open_photo,
    open_window,
    save_project,
    window_opening,
)


def answer_questions(monkeypatch, answer: QMessageBox.StandardButton) -> list[str]:
    """Answer every "save first?" question with ``answer``; the questions asked are recorded."""
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: asked.append(args[2]) or answer)
    return asked


def crashed_session_with_a_result(tmp_path) -> tuple[EditSession, str]:
    """An autosave left by a session that died after one edit; returns it and the edit's id."""
    photo = tmp_path / "photo.png"
    sample_photo().save(photo)
    crashed = EditSession(autosave=Autosave())
    root = crashed.open_photo(photo, prompt="a photo of a street")
    result = EditNode(new_node_id(), root.id, "edit", "a photo of a street in snow",
                      source_prompt="a photo of a street", method="sdedit", params={"steps": 4})
    AddNodes([result], [Image.new("RGB", (64, 64), "white")], [None]).apply(crashed.tree)
    owner = {"pid": 999_999_999, "started": 0.0}  # as if the process that wrote it had died
    (crashed.autosave.folder / OWNER).write_text(json.dumps(owner), encoding="utf-8")
    return crashed, result.id


def test_crash_restore_then_quit_asks_and_loses_nothing(qtbot, tmp_path, monkeypatch):
    crashed, result_id = crashed_session_with_a_result(tmp_path)
    window = open_window(qtbot, AppSettings(model=TINY_MODEL, device="cpu"))
    try:
        qtbot.waitUntil(lambda: window.notice_bar.isVisible() and "unsaved session" in window.notice_bar.label.text(),
                        timeout=ENGINE_TIMEOUT_MS)
        qtbot.mouseClick(window.notice_bar.button("Restore"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: result_id in window.history_panel.node_ids(), timeout=ENGINE_TIMEOUT_MS)
        assert "•" in window.windowTitle()

        asked = answer_questions(monkeypatch, QMessageBox.StandardButton.Cancel)
        window.setFocus()
        QTest.keySequence(window, QKeySequence("Ctrl+Q"))
        assert asked and "not saved" in asked[0]  # the question was asked...
        assert window.isVisible()  # ...and Cancel kept the window and the restored result
        assert result_id in window.history_panel.node_ids()
        own_autosave = window.controller.session.autosave.folder
        assert result_id in (own_autosave / "manifest.json").read_text(encoding="utf-8")

        # Saving the project is what makes quitting silent.
        assert save_project(window, tmp_path / "restored")
        asked.clear()
        window.close()
        assert not asked and not window.isVisible()
    finally:
        close_window(window)


def test_an_undone_edit_still_makes_quit_ask(qtbot, window, tmp_path, monkeypatch):
    open_photo(window, tmp_path)
    result = edit(qtbot, window, "a photo of a street", "a photo of a street in snow")[0]
    window.setFocus()
    QTest.keySequence(window, QKeySequence("Ctrl+Z"))
    assert window.controller.undo_stack.isClean()  # the undo stack alone would call this "saved"
    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.Cancel)
    QTest.keySequence(window, QKeySequence("Ctrl+Q"))
    assert asked and window.isVisible()
    assert result in window.history_panel.node_ids()


def test_a_changed_project_asks_before_another_photo_replaces_it(qtbot, window, tmp_path, monkeypatch):
    open_photo(window, tmp_path)
    edit(qtbot, window, "a photo of a street", "a photo of a street in snow")
    assert save_project(window, tmp_path / "trip")
    assert open_file(window, tmp_path / "trip.sfproj")
    assert not window.controller.is_modified  # a freshly opened project is saved
    again = edit(qtbot, window, "a photo of a street in snow", "a photo of a street in snow at night")[0]
    window.menu_actions.undo.trigger()

    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.Cancel)
    sample_photo().save(tmp_path / "other.png")
    assert not window.open_path(tmp_path / "other.png")
    assert asked and again in window.history_panel.node_ids()


def test_the_restore_offer_stays_when_started_with_a_photo(qtbot, tmp_path, event_loop_qt):
    _crashed, result_id = crashed_session_with_a_result(tmp_path)
    photo = tmp_path / "given.png"
    sample_photo().save(photo)
    window, opening = window_opening(photo)
    try:
        window.controller.start()
        qtbot.waitUntil(opening.done, timeout=ENGINE_TIMEOUT_MS)
        assert opening.result() is True
        assert window.notice_bar.isVisible() and "unsaved session" in window.notice_bar.label.text()
        qtbot.mouseClick(window.notice_bar.button("Restore"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: result_id in window.history_panel.node_ids(), timeout=ENGINE_TIMEOUT_MS)
    finally:
        close_window(window)

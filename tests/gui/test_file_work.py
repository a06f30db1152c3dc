"""Slow file work runs off the UI thread: the window keeps repainting and shows that it is busy."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

import core.session.session_editing as session_editing
from tests.gui.helpers import FILE_TIMEOUT_MS, open_photo

SLOW_DECODE_S = 1.5


def test_a_slow_photo_opens_while_the_window_keeps_repainting(qtbot, window, tmp_path, monkeypatch):
    photo = open_photo(window, tmp_path)
    real_load = session_editing.load_image

    def slow_load(path):
        time.sleep(SLOW_DECODE_S)  # a huge photo's decode (the sleep, like Pillow's decoder, lets others run)
        return real_load(path)

    monkeypatch.setattr(session_editing, "load_image", slow_load)
    ticks = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    started = time.monotonic()
    try:
        with qtbot.waitSignal(window.controller.opened, timeout=FILE_TIMEOUT_MS) as opened:
            assert window.open_path(photo)
            assert time.monotonic() - started < SLOW_DECODE_S / 2  # returned at once
            assert window.status.file_label.isVisible() and "Opening photo.png" in window.status.file_label.text()
    finally:
        timer.stop()
    assert opened.args[1] is True
    during = [tick for tick in ticks if tick < started + SLOW_DECODE_S]
    assert len(during) >= 10  # the event loop ran all along
    qtbot.waitUntil(lambda: not window.status.file_label.isVisible(), timeout=FILE_TIMEOUT_MS)  # then it goes


def test_a_save_started_before_quit_finishes_first(qtbot, window, tmp_path, monkeypatch):
    open_photo(window, tmp_path)
    window.controller.mark_saved()
    target = tmp_path / "quit.sfproj"
    assert window.save_project_to(target)
    window.close()  # waits for the file thread before stopping
    assert target.is_file() and target.stat().st_size > 0


def test_opening_another_file_clears_the_saved_message_of_the_session_it_replaces(qtbot, window, tmp_path):
    from tests.gui.helpers import open_file, save_project

    open_photo(window, tmp_path)
    project = tmp_path / "first.sfproj"
    assert save_project(window, project)
    assert window.status.currentMessage() == "Saved first.sfproj"
    open_photo(window, tmp_path, "second.png")
    assert window.status.currentMessage() == ""
    assert open_file(window, project)
    assert window.status.currentMessage() == ""

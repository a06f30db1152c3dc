"""GUI test fixtures: no test may leave a QThread running or log a Qt warning; the real window."""

from __future__ import annotations

import asyncio

import pytest
import qasync
from PySide6.QtCore import QThread, QtMsgType

from gui.self_test import OFFSCREEN_NOTES
from gui.settings import TINY_MODEL, AppSettings
from tests.gui.helpers import close_window, open_window


@pytest.fixture(autouse=True)
def no_thread_left_running(monkeypatch):
    """Fail any test that leaves a QThread it started still running."""
    started: list[QThread] = []
    original_start = QThread.start

    def recording_start(self, *args):
        started.append(self)
        return original_start(self, *args)

    monkeypatch.setattr(QThread, "start", recording_start)
    yield
    running = [thread.objectName() or repr(thread) for thread in started if thread.isRunning()]
    for thread in started:  # leave nothing behind for the next test, then report
        thread.quit()
        thread.wait(30_000)
    assert not running, f"threads left running: {running}"


@pytest.fixture(autouse=True)
def no_qt_warnings(qtlog):
    """Fail any test during which Qt logged a warning or worse."""
    yield
    problems = [record.message for record in qtlog.records
                if record.type in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
                and not any(note in record.message for note in OFFSCREEN_NOTES)]
    assert not problems, f"Qt warnings: {problems}"


@pytest.fixture(scope="session")
def event_loop_qt(qapp):
    """qasync's asyncio loop on the test QApplication (coroutines run while pytest-qt waits)."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    yield loop
    asyncio.events._set_running_loop(None)


@pytest.fixture
def window(qtbot):
    """The editor on the tiny model (CPU), engine ready."""
    window = open_window(qtbot, AppSettings(model=TINY_MODEL, device="cpu"))
    yield window
    close_window(window)

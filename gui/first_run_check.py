"""``python main.py --first-run-check``: start as a new user with no model and check the setup shows.

Opens the real window offscreen in a throw-away app home with no settings (so no model is
chosen), waits for the model setup dialog and the "no model" notice, and exits 0; it exits
1 with one line if the dialog does not appear in time or a Qt warning is logged. The
packaged app runs it offline to prove a first start neither fails nor hangs.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time

from PySide6.QtWidgets import QApplication

from core.storage.paths import HOME_ENV
from gui.model_setup_dialog import ModelSetupDialog
from gui.self_test import hide_offscreen_notes

TIMEOUT_S = 120


async def _wait_for_setup(window, started: float) -> str:
    while time.monotonic() - started < TIMEOUT_S:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, ModelSetupDialog) and w.isVisible()]
        if dialogs:
            for dialog in dialogs:
                dialog.reject()
            notice = window.notice_bar.label.text()
            if not window.notice_bar.isVisible() or "No model" not in notice:
                raise RuntimeError("the window does not say that no model is set up")
            return f"model setup shown {time.monotonic() - started:.1f} s after start; notice: {notice}"
        await asyncio.sleep(0.05)
    raise TimeoutError


def run_first_run_check() -> int:
    """0 when a first start with no model shows the model setup."""
    started = time.monotonic()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    hide_offscreen_notes()
    with tempfile.TemporaryDirectory(prefix="stable-flow-first-run-") as home:
        os.environ[HOME_ENV] = home
        from gui.app import create_application, create_window, install_event_loop

        app = create_application()
        window = create_window()
        window.show()
        window.controller.start()
        loop = install_event_loop(app)
        with loop:
            try:
                print(loop.run_until_complete(_wait_for_setup(window, started)))
                return 0
            except TimeoutError:
                print(f"first-run check FAILED: no model setup within {TIMEOUT_S} s", file=sys.stderr)
                return 1
            except RuntimeError as failure:
                print(f"first-run check FAILED: {failure}", file=sys.stderr)
                return 1
            finally:
                window.close()

"""Starting the editor: the QApplication, the theme, the qasync event loop and the main window.

Nothing imported here pulls in torch: the window shows first, the worker thread imports
the engine behind it.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from logging.handlers import RotatingFileHandler
from typing import Callable, Optional

import qasync
from PySide6.QtWidgets import QApplication

from core.storage.paths import log_dir
from core.storage.redaction import RedactingFormatter
from gui import pixel_memory  # noqa: F401 (before Pillow is first imported: it reads the setting then)
from gui.controller import EditorController
from gui.engine_host import EngineHost
from gui.jobs import ModelChoice
from gui.main_window import MainWindow
from gui.settings import AppSettings, load_settings
from gui.theme import apply_theme, follow_system_theme

APP_NAME = "Stable Flow Studio"
LOG_FILE = "editor.log"


def setup_logging() -> None:
    """Warnings and internal errors (with tracebacks) go to a rotating log file, never to the user."""
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = RotatingFileHandler(folder / LOG_FILE, maxBytes=2_000_000, backupCount=2,
                                                       encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])


def create_application(argv: Optional[list[str]] = None) -> QApplication:
    """The QApplication (reused when one exists), named and themed to follow the system."""
    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("StableFlowStudio")
    apply_theme(app)
    return app


def create_window(settings: Optional[AppSettings] = None,
                  model_loader: Optional[Callable[[ModelChoice], object]] = None,
                  offer_model_setup: bool = True) -> MainWindow:
    """A main window with its controller and engine host (the worker is not started yet)."""
    controller = EditorController(settings or load_settings(), EngineHost(model_loader))
    window = MainWindow(controller, offer_model_setup=offer_model_setup)
    controller.setParent(window)
    return window


def install_event_loop(app: QApplication) -> qasync.QEventLoop:
    """Make qasync's loop the asyncio loop, so coroutines and Qt share the UI thread."""
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    return loop


async def open_when_ready(window: MainWindow, path: str) -> bool:
    """Open a photo or project given on the command line once the engine is ready (the status
    bar says so meanwhile)."""
    window.status.show_file_work(True, f"Opening {Path(path).name} once the engine has started…")
    await window.controller.ready()
    opened = await open_file(window, Path(path))
    if not window.controller.files.busy:
        window.status.show_file_work(False, "")
    return opened


async def open_file(window: MainWindow, path: Path) -> bool:
    """Open a photo or project like the user does; whether it opened (it loads off the UI thread)."""
    outcome = asyncio.get_running_loop().create_future()

    def opened(_path: str, ok: bool) -> None:
        if not outcome.done():
            outcome.set_result(ok)

    window.controller.opened.connect(opened)
    try:
        if not window.open_path(path):
            return False
        return await outcome
    finally:
        window.controller.opened.disconnect(opened)


def run_editor(argv: list[str]) -> int:
    """``python main.py [IMAGE|PROJECT]``: show the window, start the engine, run until closed
    (main.py has checked Qt's system libraries before PySide6 was imported)."""
    setup_logging()
    app = create_application()
    window = create_window()
    follow_system_theme(app, window.retheme)
    window.show()
    window.controller.start()
    loop = install_event_loop(app)
    if argv:
        asyncio.ensure_future(open_when_ready(window, argv[0]))
    with loop:
        loop.run_forever()
    return 0

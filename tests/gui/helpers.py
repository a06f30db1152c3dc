"""Driving the editor like a user: fill the panel, press Edit, wait for the outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import Qt
from pytestqt.wait_signal import SignalBlocker

from gui.app import create_window
from gui.settings import TINY_MODEL, AppSettings
from gui.self_test import fill_edit_panel, sample_photo

ENGINE_TIMEOUT_MS = 120_000
EDIT_TIMEOUT_MS = 60_000
FILE_TIMEOUT_MS = 60_000


def edit(qtbot, window, source_prompt: str, edit_prompts: str) -> list[str]:
    """Type the prompts (tiny sizes and steps), click Edit, and return the new node ids."""
    with qtbot.waitSignal(window.controller.edit_finished, timeout=EDIT_TIMEOUT_MS) as finished:
        fill_edit_panel(window, source_prompt, edit_prompts)
        qtbot.mouseClick(window.edit_panel.edit_button, Qt.MouseButton.LeftButton)
    return finished.args[0]


def open_photo(window, folder: Path, name: str = "photo.png") -> Path:
    """Write the synthetic test photo and open it in the window."""
    path = folder / name
    sample_photo().save(path)
    assert open_file(window, path)
    return path


def wait_for(signal, start: Callable[[], bool]) -> Optional[list]:
    """Call ``start()``; when it returns True (work started), wait for ``signal`` and return
    its arguments; None when nothing started."""
    blocker = SignalBlocker(timeout=FILE_TIMEOUT_MS, raising=True)
    blocker.connect(signal)
    if not start():
        return None
    blocker.wait()
    return blocker.args


def open_file(window, path: Path) -> bool:
    """Open a photo or project like the user does; whether it opened."""
    args = wait_for(window.controller.opened, lambda: window.open_path(path))
    return bool(args and args[1])


def save_project(window, path: Path) -> bool:
    """Save the project to ``path`` like the user does; whether it was saved."""
    args = wait_for(window.controller.saved, lambda: window.save_project_to(path))
    return bool(args and args[1])


def export(window, node_id: str, path: Path, **options) -> bool:
    """Export ``node_id`` to ``path``; whether it was written."""
    args = wait_for(window.controller.exported, lambda: window.controller.export_node(node_id, path, **options))
    return bool(args and args[1])


def open_window(qtbot, settings: AppSettings, **options):
    """A real main window with its worker started, once the engine is ready."""
    window = create_window(settings, offer_model_setup=False, **options)
    window.show()
    with qtbot.waitSignal(window.controller.engine_ready, timeout=ENGINE_TIMEOUT_MS):
        window.controller.start()
    return window


def close_window(window) -> None:
    """Close without the unsaved-changes question; stops the worker."""
    window.controller.mark_saved()
    window.close()


def window_opening(path: Path):
    """A window started as ``python main.py PATH`` would be (engine not started yet): the
    window and the future of its opening."""
    import asyncio

    from gui.app import open_when_ready

    window = create_window(AppSettings(model=TINY_MODEL, device="cpu"), offer_model_setup=False)
    window.show()
    return window, asyncio.ensure_future(open_when_ready(window, str(path)))

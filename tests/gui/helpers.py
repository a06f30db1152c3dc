"""Driving the editor like a user: fill the panel, press Edit, wait for the outcome."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from gui.app import create_window
from gui.settings import AppSettings
from gui.self_test import fill_edit_panel, sample_photo

ENGINE_TIMEOUT_MS = 120_000
EDIT_TIMEOUT_MS = 60_000


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
    assert window.open_path(path)
    return path


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

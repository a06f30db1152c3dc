"""A full disk never loses a finished result in the editor, and says "the disk is full" in one line."""

from __future__ import annotations

import pytest

from core.storage.paths import HOME_ENV
from gui.settings import TINY_MODEL, AppSettings
from tests.gui.full_disk import FullDisk
from tests.gui.helpers import close_window, edit, export, open_photo, open_window, save_project

EDITS = 3


@pytest.fixture
def full_disk(tmp_path, monkeypatch):
    """The app's home on a disk that fills up on demand."""
    disk = FullDisk(tmp_path / "disk", monkeypatch)
    monkeypatch.setenv(HOME_ENV, str(disk.folder / "home"))
    yield disk
    disk.close()


def test_every_finished_result_stays_when_the_disk_fills(qtbot, tmp_path, full_disk):
    settings = AppSettings(model=TINY_MODEL, device="cpu", cache_folder=str(tmp_path / "cache"))
    window = open_window(qtbot, settings)
    try:
        open_photo(window, tmp_path)
        assert window.controller.session.autosave.folder.is_dir()
        full_disk.fill()

        results = []
        for number in range(EDITS):
            results += edit(qtbot, window, "a photo of a street", f"a photo of a street, edit {number}")
            window.controller.set_current(window.controller.tree.root_id)
        assert len(results) == EDITS and set(results) <= set(window.history_panel.node_ids())
        assert window.edit_panel.error_text() == ""
        assert window.notice_bar.isVisible() and "the disk is full" in window.notice_bar.label.text()

        assert not save_project(window, full_disk.folder / "trip")
        message = window.notice_bar.label.text()
        assert message.startswith("Could not save the project: the disk is full") and "\n" not in message
        assert not export(window, results[0], full_disk.folder / "edit.png")
        assert window.notice_bar.label.text().startswith("Could not export: the disk is full")

        # Nothing was lost: the session saves completely to another disk.
        assert save_project(window, tmp_path / "trip")
        assert (tmp_path / "trip.sfproj").stat().st_size > 0
    finally:
        close_window(window)

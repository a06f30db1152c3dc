"""The captioning model fills an empty "Describe the image", never replaces typed text, and says how to get it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui.settings import TINY_MODEL, AppSettings
from tests.gui.helpers import close_window, open_photo, open_window

CAPTION_TIMEOUT_MS = 120_000


@pytest.fixture
def captioning_window(qtbot):
    window = open_window(qtbot, AppSettings(model=TINY_MODEL, device="cpu", caption_model="tiny-random-florence2"))
    yield window
    close_window(window)


def _open_and_wait(qtbot, window, folder, name="photo.png", typed=None):
    open_photo(window, folder, name)
    assert window.caption_hook.job_id is not None  # the caption job was submitted
    if typed is not None:  # typed before the caption comes back
        qtbot.keyClicks(window.edit_panel.source_prompt, typed)
    qtbot.waitUntil(lambda: window.caption_hook.job_id is None, timeout=CAPTION_TIMEOUT_MS)


def test_a_photo_without_a_description_gets_a_suggested_one(qtbot, captioning_window, tmp_path):
    panel = captioning_window.edit_panel
    _open_and_wait(qtbot, captioning_window, tmp_path)
    caption = panel.source_prompt.text()
    assert caption and panel.source_suggested and "suggested" in panel.source_label.text()
    assert panel.source_prompt.cursorPosition() == 0  # its start shows
    qtbot.keyClick(panel.source_prompt, Qt.Key.Key_End)
    qtbot.keyClicks(panel.source_prompt, " at night")  # editing the suggestion makes it the user's
    assert not panel.source_suggested and panel.source_prompt.text() == caption + " at night"
    with qtbot.waitSignal(captioning_window.controller.host.finished, timeout=CAPTION_TIMEOUT_MS):
        qtbot.mouseClick(panel.caption_button, Qt.MouseButton.LeftButton)  # asked for: replaces
    assert panel.source_prompt.text() == caption and panel.source_suggested


def test_typed_text_is_never_replaced(qtbot, captioning_window, tmp_path):
    panel = captioning_window.edit_panel
    _open_and_wait(qtbot, captioning_window, tmp_path, typed="a photo of my garden")
    assert panel.source_prompt.text() == "a photo of my garden" and not panel.source_suggested
    # Another photo has its own description (none yet), so it is captioned; the typed one stays with the first.
    open_photo(captioning_window, tmp_path, "second.png")
    qtbot.waitUntil(lambda: captioning_window.caption_hook.job_id is None, timeout=CAPTION_TIMEOUT_MS)
    assert panel.source_prompt.text() not in ("", "a photo of my garden") and panel.source_suggested


def test_without_the_captioning_model_the_panel_says_how_to_get_it(qtbot, window, tmp_path):
    with qtbot.waitSignal(window.controller.host.failed, timeout=CAPTION_TIMEOUT_MS):
        open_photo(window, tmp_path)
    note = window.edit_panel.caption_note
    assert note.isVisibleTo(window) and "not downloaded" in note.text() and "Model setup" in note.text()
    assert window.edit_panel.source_prompt.text() == ""


def test_model_setup_offers_the_captioning_model_and_reports_a_failed_download(qtbot):
    from gui.model_setup_dialog import ModelSetupDialog

    dialog = ModelSetupDialog("", caption_model="florence-community/Florence-2-base")
    qtbot.addWidget(dialog)
    row = dialog.caption_row
    assert "Not downloaded" in row.status.text() and row.download_button.isEnabled()
    qtbot.mouseClick(row.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row._download is None, timeout=CAPTION_TIMEOUT_MS)  # offline in tests: it fails
    assert "No connection" in row.status.text() and row.download_button.isEnabled()
    dialog.done(0)
    built_in = ModelSetupDialog("", caption_model="tiny-random-florence2")
    qtbot.addWidget(built_in)
    assert "Downloaded" in built_in.caption_row.status.text()
    assert not built_in.caption_row.download_button.isEnabled()
    built_in.done(0)


def test_the_captioning_model_is_a_setting(qtbot):
    from gui.settings_dialog import SettingsDialog

    settings = AppSettings()
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    assert dialog.caption_model.text() == "florence-community/Florence-2-base"
    dialog.caption_model.setText("/models/florence-large")
    dialog.apply_to(settings)
    assert settings.caption_model == "/models/florence-large"


def test_a_sample_photo_opens_with_its_caption_and_is_not_captioned(qtbot, captioning_window):
    from core.demo_world.captions import caption
    from core.demo_world.samples import SAMPLE_SCENES
    from core.storage.resources import resource_path
    from tests.gui.helpers import open_file

    assert open_file(captioning_window, resource_path("samples") / "green-star.png")
    panel = captioning_window.edit_panel
    assert panel.source_prompt.text() == caption(SAMPLE_SCENES["green-star"]) and not panel.source_suggested
    assert captioning_window.caption_hook.job_id is None and not panel.caption_note.isVisibleTo(captioning_window)

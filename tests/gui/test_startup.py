"""Starting the editor: window before torch, no model, model setup, autosave restore, layout, self-test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from core.session.autosave import OWNER, Autosave
from core.session.session_editing import EditSession
from core.storage.paths import HOME_ENV
from gui.controller import NO_MODEL
from gui.self_test import sample_photo
from gui.settings import TINY_MODEL, AppSettings, load_settings, settings_path
from tests.gui.helpers import ENGINE_TIMEOUT_MS, close_window, open_window, wait_for, window_opening

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, home: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, HOME_ENV: str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, *(["-c", code] if code else []), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_the_window_is_shown_before_torch_is_imported(tmp_path):
    result = run_python("", tmp_path, "main.py", "--startup-time")
    assert result.returncode == 0, result.stderr
    seconds, torch_flag = result.stdout.split()
    assert float(seconds) > 0 and torch_flag == "torch=False"


def test_without_a_model_the_editor_opens_and_says_what_to_do(qtbot, tmp_path):
    window = open_window(qtbot, AppSettings())
    try:
        assert window.notice_bar.isVisible()
        assert "No model is set up" in window.notice_bar.label.text()
        assert window.status.model_label.text() == "No model"
        window.edit_panel.source_prompt.setText("a photo of a dog")
        window.edit_panel.edit_prompts.setPlainText("a photo of a cat")
        window.run_edit()
        assert window.edit_panel.error_text() == NO_MODEL
        assert not window.controller.busy
    finally:
        close_window(window)


def test_model_setup_offline_download_fails_plainly_then_the_tiny_model_loads(qtbot, tmp_path):
    window = open_window(qtbot, AppSettings())
    try:
        dialog = window.open_model_setup()
        dialog.select("dev")
        assert not dialog.download_button.isEnabled()  # FLUX.1-dev needs a token first
        dialog.token.setText("hf_not_a_real_token")
        assert dialog.download_button.isEnabled()
        dialog.select("schnell")
        dialog.start_download()
        qtbot.waitUntil(lambda: dialog._download is None, timeout=60_000)
        assert dialog.status.text().startswith("No connection to Hugging Face")
        assert not dialog.button_box.button(dialog.button_box.StandardButton.Ok).isEnabled()

        dialog.select("dev")
        dialog.select("tiny")
        assert dialog.button_box.button(dialog.button_box.StandardButton.Ok).isEnabled()
        with qtbot.waitSignal(window.controller.model_status, timeout=60_000,
                              check_params_cb=lambda text: text.startswith(TINY_MODEL)):
            dialog.accept()
        assert load_settings().model == TINY_MODEL
        assert "hf_not_a_real_token" not in settings_path().read_text(encoding="utf-8")
        assert not window.notice_bar.isVisible()
    finally:
        close_window(window)


def test_an_autosave_left_by_a_crash_is_offered_and_restored(qtbot, tmp_path):
    photo = tmp_path / "photo.png"
    sample_photo().save(photo)
    crashed = EditSession(autosave=Autosave())
    root = crashed.open_photo(photo, prompt="a photo of a street")
    owner = {"pid": 999_999_999, "started": 0.0}  # as if the process that wrote it had died
    (crashed.autosave.folder / OWNER).write_text(json.dumps(owner), encoding="utf-8")

    window = open_window(qtbot, AppSettings(model=TINY_MODEL, device="cpu"))
    try:
        qtbot.waitUntil(lambda: window.notice_bar.isVisible() and "unsaved session" in window.notice_bar.label.text(),
                        timeout=ENGINE_TIMEOUT_MS)
        qtbot.mouseClick(window.notice_bar.button("Restore"), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.history_panel.node_ids() == [root.id], timeout=ENGINE_TIMEOUT_MS)
        assert window.edit_panel.source_prompt.text() == "a photo of a street"
        assert not crashed.autosave.folder.exists()  # restored into this session's own autosave
    finally:
        close_window(window)


def test_layout_recent_files_and_settings_survive_a_restart(qtbot, tmp_path):
    settings = AppSettings(model=TINY_MODEL, device="cpu", default_steps=7)
    window = open_window(qtbot, settings)
    photo = tmp_path / "photo.png"
    sample_photo().save(photo)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    assert wait_for(window.controller.opened, lambda: window.dropEvent(drop) or True)[1]  # dropping a photo opens it
    assert window.controller.tree.node(window.controller.tree.root_id).image_path == str(photo.resolve())
    assert window.edit_panel.main_params.widgets["steps"].value() == 7
    prompts_dock = window.findChild(type(window.history_panel.parent()), "promptsDock")
    prompts_dock.hide()
    close_window(window)

    saved = json.loads(settings_path().read_text(encoding="utf-8"))
    assert saved["recent_files"] == [str(photo.resolve())] and saved["window_state"]
    window = open_window(qtbot, load_settings())
    try:
        assert not window.findChild(type(prompts_dock), "promptsDock").isVisible()
        assert window.findChild(type(prompts_dock), "historyDock").isVisible()
        window._fill_recent_menu()
        assert [action.text() for action in window.menu_actions.recent_menu.actions()] == ["photo.png"]
    finally:
        close_window(window)


@pytest.mark.slow
def test_self_test_passes(tmp_path):
    result = run_python("", tmp_path, "main.py", "--self-test")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("self-test passed")


def test_a_photo_given_on_the_command_line_opens_once_the_engine_is_ready(qtbot, tmp_path, event_loop_qt):
    photo = tmp_path / "photo.png"
    sample_photo().save(photo)
    window, opening = window_opening(photo)
    try:
        # The window says at once that the photo is on its way (the engine takes a while to start).
        qtbot.waitUntil(lambda: window.status.file_label.isVisible(), timeout=ENGINE_TIMEOUT_MS)
        assert "Opening photo.png" in window.status.file_label.text()
        window.controller.start()
        qtbot.waitUntil(opening.done, timeout=ENGINE_TIMEOUT_MS)
        assert opening.result() is True
        assert window.controller.tree.node(window.controller.tree.root_id).image_path == str(photo.resolve())
        qtbot.waitUntil(lambda: not window.status.file_label.isVisible(), timeout=ENGINE_TIMEOUT_MS)
        assert window.windowTitle().startswith("photo.png")
    finally:
        close_window(window)


def test_first_run_check_shows_model_setup_offline_in_a_fresh_process(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**__import__("os").environ, "HF_HUB_OFFLINE": "1", "QT_QPA_PLATFORM": "offscreen",
           "STABLE_FLOW_STUDIO_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "main.py", "--first-run-check"], cwd=root, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "model setup shown" in result.stdout and "No model" in result.stdout
    assert result.stderr.strip() == ""

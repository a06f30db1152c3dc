""""Apply this chain to a folder…" on 3 photos: progress per photo, cancel, resume, gallery."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Slot

from core.batch.report import REPORT_NAME, read_report
from core.storage.png_files import read_recipe
from tests.core.batch_helpers import photo_folder
from tests.gui.helpers import EDIT_TIMEOUT_MS, edit, open_photo

BATCH_TIMEOUT_MS = 180_000


class CancelAfterFirst(QObject):
    """Clicks Cancel when photo 0 is reported done (a QObject, so the slot runs on the UI thread)."""

    def __init__(self, qtbot, dialog) -> None:
        super().__init__(dialog)
        self.qtbot, self.dialog = qtbot, dialog

    @Slot(int, int, object)
    def on_photo(self, job_id: int, index: int, result) -> None:
        if index == 0 and result.status == "done":
            self.qtbot.mouseClick(self.dialog.cancel_button, Qt.MouseButton.LeftButton)


def _menu_action(window, node_id: str, text: str):
    menu = window.history_panel.context_menu(node_id, is_root=False)
    return next(action for action in menu.actions() if action.text() == text)


def _statuses(dialog) -> list[str]:
    return [dialog.photo_list.topLevelItem(i).text(1) for i in range(dialog.photo_list.topLevelItemCount())]


def test_apply_a_chain_to_a_folder_cancel_and_resume(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    (node_id,) = edit(qtbot, window, "a photo of a street", "a photo of a dog")
    photo_folder(tmp_path / "shoot", 3)
    _menu_action(window, node_id, "Apply this chain to a folder…").trigger()
    dialog = window.batch_dialog
    assert dialog.isVisible()
    dialog.folder.setText(str(tmp_path / "shoot"))
    assert _statuses(dialog) == []

    # Start, and cancel as soon as the first photo is done (on the UI thread, like a user's click).
    canceller = CancelAfterFirst(qtbot, dialog)
    window.controller.host.batch_photo.connect(canceller.on_photo)
    with qtbot.waitSignal(window.controller.host.cancelled, timeout=BATCH_TIMEOUT_MS):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    window.controller.host.batch_photo.disconnect(canceller.on_photo)
    statuses = _statuses(dialog)
    assert statuses[0] == "done" and "done" not in statuses[1:], statuses
    assert dialog.start_button.text() == "Resume" and "Cancelled: 1 of 3 photos done" in dialog.summary.text()
    out = tmp_path / "shoot" / "edited"
    assert (out / "p0-1.png").exists() and not (out / "p2-1.png").exists()

    # Another photo opened meanwhile does not change the chain being applied.
    window.controller.mark_saved()  # no "save changes first?" question
    open_photo(window, tmp_path, "other.png")
    assert window.controller.tree.node(window.controller.tree.root_id).image_path.endswith("other.png")
    # Resume: the first photo is not edited again; the gallery shows the three results.
    with qtbot.waitSignal(window.controller.host.finished, timeout=BATCH_TIMEOUT_MS):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert _statuses(dialog) == ["done (earlier run)", "done", "done"]
    assert dialog.gallery.isVisible() and dialog.gallery.count() == 3
    assert "3 of 3 photos done" in dialog.summary.text()
    report = read_report(out / REPORT_NAME)
    assert [p["resumed"] for p in report["photos"]] == [True, False, False]
    recipe = read_recipe(out / "p1-1.png")
    assert recipe["prompt"] == "a photo of a dog" and recipe["source_prompt"] == "a photo of a street"

    # The editor still edits afterwards.
    assert len(edit(qtbot, window, "a photo of a dog", "a photo of a cat")) == 1
    dialog.close()


def test_a_folder_without_photos_or_a_bad_descriptions_file_says_what_is_wrong(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    (node_id,) = edit(qtbot, window, "a photo of a street", "a photo of a dog")
    dialog = window.apply_chain_to_folder(node_id)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert "choose the folder of photos" in dialog.summary.text()
    (tmp_path / "empty").mkdir()
    dialog.folder.setText(str(tmp_path / "empty"))
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert "no photos in" in dialog.summary.text() and dialog.job_id is None
    photo_folder(tmp_path / "shoot", 1)
    dialog.folder.setText(str(tmp_path / "shoot"))
    dialog.describe.setCurrentIndex(2)
    dialog.describe_text.setText(str(tmp_path / "missing.csv"))
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert "cannot read the descriptions file" in dialog.summary.text() and dialog.job_id is None
    dialog.close()


def test_a_batch_with_descriptions_from_the_captioning_model(qtbot, tmp_path):
    from gui.settings import TINY_MODEL, AppSettings
    from tests.gui.helpers import close_window, open_window

    window = open_window(qtbot, AppSettings(model=TINY_MODEL, device="cpu", caption_model="tiny-random-florence2"))
    try:
        open_photo(window, tmp_path)
        qtbot.waitUntil(lambda: window.caption_hook.job_id is None, timeout=BATCH_TIMEOUT_MS)
        (node_id,) = edit(qtbot, window, "a photo of a street", "a photo of a dog")
        photo_folder(tmp_path / "shoot", 2)
        dialog = window.apply_chain_to_folder(node_id)
        dialog.folder.setText(str(tmp_path / "shoot"))
        dialog.output.setText(str(tmp_path / "results"))
        dialog.describe.setCurrentIndex(3)  # written by the captioning model
        with qtbot.waitSignal(window.controller.host.finished, timeout=BATCH_TIMEOUT_MS):
            qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        assert _statuses(dialog) == ["done", "done"]
        report = read_report(tmp_path / "results" / REPORT_NAME)
        assert all(p["source_prompt"] and p["source_prompt"] != "auto" for p in report["photos"])
        assert report["model"]["captioner"] == "tiny-random-florence2"
        dialog.close()
    finally:
        close_window(window)


def test_a_batch_records_the_speed_options_of_the_settings(qtbot, tmp_path):
    from gui.settings import TINY_MODEL, AppSettings
    from tests.gui.helpers import close_window, open_window

    window = open_window(qtbot, AppSettings(model=TINY_MODEL, device="cpu", attention_backend="_native_math"))
    try:
        open_photo(window, tmp_path)
        (node_id,) = edit(qtbot, window, "a photo of a street", "a photo of a dog")
        photo_folder(tmp_path / "shoot", 1)
        dialog = window.apply_chain_to_folder(node_id)
        dialog.folder.setText(str(tmp_path / "shoot"))
        dialog.output.setText(str(tmp_path / "results"))
        with qtbot.waitSignal(window.controller.host.finished, timeout=BATCH_TIMEOUT_MS):
            qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        assert _statuses(dialog) == ["done"]
        # as `batch --attention-backend`: a rerun with other speed options does not reuse these results
        assert read_report(tmp_path / "results" / REPORT_NAME)["model"]["speed"] == "attn=_native_math"
        dialog.close()
    finally:
        close_window(window)

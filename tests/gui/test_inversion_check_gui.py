"""Edit > Check Inversion of Photos: the status bar reports how faithfully the photo comes back."""

from __future__ import annotations

from gui.reconstruction_dialog import ReconstructionDialog
from tests.gui.helpers import edit, open_photo


def test_the_check_reports_its_psnr_after_a_photo_edit_and_stops_when_unchecked(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    window.menu_actions.check_inversion.trigger()
    assert window.controller.check_inversion
    phases = []
    window.controller.edit_progress.connect(lambda text, step, total: phases.append(text))
    edit(qtbot, window, "a photo of a street", "a photo of a street in snow")
    assert window.status.currentMessage().startswith("Inversion check: the photo comes back at PSNR")
    assert any(text.startswith("Checking the inversion") for text in phases)

    window.menu_actions.check_inversion.trigger()
    assert not window.controller.check_inversion
    edit(qtbot, window, "a photo of a street", "a photo of a street at night")
    assert window.status.currentMessage().startswith("Done")


def test_the_reconstruction_opens_from_the_notice_and_re_edits_of_results_say_there_is_none(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    window.menu_actions.check_inversion.trigger()
    ids = edit(qtbot, window, "a photo of a street", "a photo of a street in snow")
    assert window.notice_bar.isVisible() and window.notice_bar.label.text().startswith("Inversion check")
    button = window.notice_bar._buttons[0]
    assert button.text() == "Show Reconstruction"
    button.click()
    dialog = window.findChild(ReconstructionDialog)
    assert dialog is not None and dialog.isVisible() and not dialog.image.pixmap().isNull()
    assert dialog.summary.text().startswith("Inversion check: the photo comes back at")
    dialog.close()
    # Editing a result continues from its trajectory: nothing is inverted, so there is nothing to check.
    window.controller.set_current(ids[0])
    edit(qtbot, window, "a photo of a street in snow", "a photo of a street in snow at night")
    assert window.status.currentMessage().startswith("Inversion check: only photo edits")

"""Edit > Check Inversion of Photos: the status bar reports how faithfully the photo comes back."""

from __future__ import annotations

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

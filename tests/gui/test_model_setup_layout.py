"""The model setup dialog holds still: choosing another model or starting a download moves no
control, and every wrapped line has its room (none overlaps the next)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QAbstractButton, QLabel

from gui.model_setup_dialog import OPTIONS, ModelSetupDialog


def control_places(dialog) -> dict[str, QRect]:
    """Where each button, radio button and check box is, in the dialog's coordinates."""
    return {button.text(): QRect(button.mapTo(dialog, QPoint(0, 0)), button.size())
            for button in dialog.findChildren(QAbstractButton) if button.isVisibleTo(dialog)}


def shown_dialog(qtbot) -> ModelSetupDialog:
    dialog = ModelSetupDialog("")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_choosing_any_model_moves_no_control(qtbot):
    dialog = shown_dialog(qtbot)
    places = {}
    for option in OPTIONS:
        dialog.select(option.key)
        qtbot.wait(1)  # let the layout settle
        places[option.key] = control_places(dialog)
    first = places[OPTIONS[0].key]
    assert "Download" in first and "Use this model" in first
    for key, place in places.items():
        assert place == first, f"choosing {key!r} moved {sorted(name for name in first if place.get(name) != first[name])}"
    dialog.select("demo")
    assert not dialog.download_button.isEnabled()  # shown, greyed out: the demo needs no download


def test_starting_and_ending_a_download_moves_no_control(qtbot):
    dialog = shown_dialog(qtbot)
    dialog.select("schnell")
    qtbot.wait(1)
    before = control_places(dialog)
    dialog.download_controls.set_downloading(True)
    qtbot.wait(1)
    during = control_places(dialog)
    assert dialog.progress.isVisible() and dialog.cancel_download_button.isVisible()
    assert during.pop("Cancel download") == before.pop("Download")  # the two take turns in one place
    assert during == before
    dialog.download_controls.set_downloading(False)
    qtbot.wait(1)
    assert "Download" in control_places(dialog)


def test_every_wrapped_line_of_the_dialog_has_its_room(qtbot):
    dialog = shown_dialog(qtbot)
    for label in dialog.findChildren(QLabel):
        if label.isVisibleTo(dialog) and label.wordWrap() and label.text():
            assert label.height() >= label.heightForWidth(label.width()), f"squashed: {label.text()[:40]!r}"

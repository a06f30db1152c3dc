"""Radio buttons and check boxes can be seen in the dark theme (Fusion draws their rim a shade
darker than the window, so on a dark window they all but vanished)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QCheckBox, QRadioButton, QStyle, QStyleOptionButton, QVBoxLayout, QWidget

from gui.theme import apply_theme

# Lightness (0-255) by which some pixel of the indicator must differ from the window behind it
VISIBLE_CONTRAST = 45  # Fusion's own light theme: 51 for a check box, 60 or more for a radio button


def indicator_contrast(button, element: QStyle.SubElement) -> int:
    """How far the lightest or darkest pixel of the button's indicator is from the window colour."""
    option = QStyleOptionButton()
    button.initStyleOption(option)
    rect = button.style().subElementRect(element, option, button)
    image = button.grab().toImage()
    window = button.palette().color(QPalette.ColorRole.Window).lightness()
    return max(abs(image.pixelColor(x, y).lightness() - window)
               for x in range(rect.left(), rect.right() + 1) for y in range(rect.top(), rect.bottom() + 1))


@pytest.mark.parametrize("dark", [True, False])
def test_unchecked_radio_buttons_and_check_boxes_stand_out_from_the_window(qtbot, qapp, dark):
    try:
        apply_theme(qapp, dark=dark)
        page = QWidget()
        qtbot.addWidget(page)
        layout = QVBoxLayout(page)
        radio, check = QRadioButton("FLUX.1-schnell"), QCheckBox("Remember it")
        layout.addWidget(radio)
        layout.addWidget(check)
        page.show()
        qtbot.waitExposed(page)
        assert indicator_contrast(radio, QStyle.SubElement.SE_RadioButtonIndicator) >= VISIBLE_CONTRAST
        assert indicator_contrast(check, QStyle.SubElement.SE_CheckBoxIndicator) >= VISIBLE_CONTRAST
    finally:
        apply_theme(qapp, dark=False)

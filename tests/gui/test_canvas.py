"""The canvas: zoom with wheel and keys, fit, 100%, and the before/after split."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPalette, QPixmap, QWheelEvent
from PySide6.QtWidgets import QApplication

from gui.canvas import ZOOM_STEP, CanvasView
from gui.theme import apply_theme


def solid(width: int, height: int, colour: str) -> QPixmap:
    pixmap = QPixmap(width, height)
    pixmap.fill(QColor(colour))
    return pixmap


@pytest.fixture
def canvas(qtbot):
    view = CanvasView()
    view.resize(400, 300)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    return view


def wheel(view: CanvasView, notches: int) -> None:
    centre = QPointF(view.viewport().rect().center())
    event = QWheelEvent(centre, view.viewport().mapToGlobal(centre), QPoint(0, 0), QPoint(0, 120 * notches),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)


def test_fit_100_percent_and_wheel_zoom(canvas):
    canvas.set_image(solid(800, 600, "red"))
    assert canvas.zoom() == pytest.approx(min(canvas.viewport().width() / 800, canvas.viewport().height() / 600),
                                          rel=0.02)
    canvas.actual_size()
    assert canvas.zoom() == pytest.approx(1.0)
    wheel(canvas, 1)
    assert canvas.zoom() == pytest.approx(ZOOM_STEP)
    wheel(canvas, -2)
    assert canvas.zoom() == pytest.approx(1 / ZOOM_STEP)
    canvas.zoom_in()
    assert canvas.zoom() == pytest.approx(1.0)
    canvas.fit()
    fitted = canvas.zoom()
    canvas.resize(800, 600)  # fit mode follows the window size
    assert canvas.zoom() > fitted


def test_the_split_shows_before_left_and_after_right(canvas):
    canvas.set_image(solid(200, 100, "#0000ff"), solid(200, 100, "#ff0000"))
    canvas.actual_size()
    assert canvas.can_compare()

    def colour_at(fraction: float) -> QColor:
        image: QImage = canvas.grab().toImage()
        centre = canvas.mapFromScene(QPointF(200 * fraction, 50))
        return image.pixelColor(centre)

    assert colour_at(0.25) == QColor("#0000ff")  # not comparing: the after image everywhere
    canvas.set_comparing(True)
    canvas.set_split(0.5)
    assert colour_at(0.25) == QColor("#ff0000") and colour_at(0.75) == QColor("#0000ff")
    canvas.set_split(0.9)
    assert colour_at(0.75) == QColor("#ff0000")


def test_zoom_keys_are_menu_shortcuts(qtbot, window):
    actions = window.menu_actions
    assert actions.zoom_in.shortcut().toString() == "Ctrl++"
    assert actions.fit.shortcut().toString() == "Ctrl+0"
    assert actions.actual_size.shortcut().toString() == "Ctrl+1"
    assert actions.undo.shortcut().toString() == "Ctrl+Z"
    assert actions.redo.shortcut().toString() == "Ctrl+Shift+Z"
    window.canvas.set_image(solid(64, 64, "gray"))
    actions.actual_size.trigger()
    assert window.canvas.zoom() == pytest.approx(1.0)
    actions.zoom_in.trigger()
    assert window.canvas.zoom() == pytest.approx(ZOOM_STEP)
    assert window.compare_bar.zoom_label.text() == f"{ZOOM_STEP * 100:.0f}%"


def test_a_theme_switch_redraws_the_icons_in_the_new_text_colour(qtbot, window, qapp):
    def icon_ink(button) -> QColor:
        image = button.icon().pixmap(32, 32).toImage()
        return max((image.pixelColor(x, y) for x in range(32) for y in range(32)), key=lambda c: c.alpha())

    light_ink = icon_ink(window.edit_panel.dice)
    try:
        apply_theme(qapp, dark=True)
        window.retheme()
        dark_ink = icon_ink(window.edit_panel.dice)
        assert dark_ink.lightness() > 180 > light_ink.lightness()
        assert window.palette().color(QPalette.ColorRole.Window).lightness() < 80
    finally:
        apply_theme(qapp, dark=False)
        window.retheme()

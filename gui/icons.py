"""Icons drawn from resources/icons/*.svg in the theme's text colour, sharp at any DPI."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QObject, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from core.storage.resources import resource_path

# Rendered once per size so that 1x, 1.5x and 2x screens all get a crisp pixmap.
_SIZES = (16, 20, 24, 32, 40, 48, 64, 96)
_NAME_PROPERTY = "themedIcon"


def _text_colour() -> str:
    app = QGuiApplication.instance()
    palette = app.palette() if app is not None else QPalette()
    return palette.color(QPalette.ColorRole.WindowText).name()


@lru_cache(maxsize=None)
def _icon(name: str, colour: str) -> QIcon:
    svg = resource_path("icons", f"{name}.svg").read_text(encoding="utf-8").replace("currentColor", colour)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        raise ValueError(f"resources/icons/{name}.svg is not a valid SVG")
    icon = QIcon()
    for size in _SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg``, coloured for the current theme."""
    return _icon(name, _text_colour())


def set_icon(target: QObject, name: str) -> None:
    """Give a button or action the icon ``name``, and remember it so :func:`recolour_icons` can redo it."""
    target.setProperty(_NAME_PROPERTY, name)
    target.setIcon(icon(name))


def recolour_icons(root: QObject) -> None:
    """Redraw every icon set with :func:`set_icon` under ``root`` in the current theme's colour."""
    for child in [root, *root.findChildren(QObject)]:
        name = child.property(_NAME_PROPERTY)
        if name:
            child.setIcon(icon(name))


def app_icon() -> QIcon:
    """The application icon (keeps its own colours)."""
    return QIcon(str(resource_path("icons", "app.svg")))

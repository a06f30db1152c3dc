"""Render the app icon (resources/icons/app.svg) to the PNG and ICO files installers need."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

from app_info import ROOT

PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
SVG = ROOT / "resources" / "icons" / "app.svg"


def render_png(size: int, target: Path) -> Path:
    """Rasterise the SVG at ``size`` x ``size`` with Qt's SVG renderer (no window needed)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    target.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(target)):
        raise RuntimeError(f"could not write {target}")
    return target


def render_all(folder: Path) -> dict[int, Path]:
    """PNGs at every size plus app.ico (Windows) in ``folder``; returns size -> PNG path."""
    pngs = {size: render_png(size, folder / f"app-{size}.png") for size in PNG_SIZES}
    with Image.open(pngs[256]) as largest:
        largest.save(folder / "app.ico", sizes=[(s, s) for s in PNG_SIZES if s <= 256])
    return pngs

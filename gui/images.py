"""PIL images to Qt images, and a thumbnail cache per edit-tree node."""

from __future__ import annotations

from PIL import Image
from PySide6.QtGui import QImage, QPixmap

THUMBNAIL_SIZE = 96


def to_qimage(image: Image.Image) -> QImage:
    """An RGB copy of ``image`` as a QImage that owns its pixels (safe off the UI thread)."""
    rgb = image.convert("RGB")
    data = rgb.tobytes("raw", "RGB")
    return QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888).copy()


def to_pixmap(image: Image.Image) -> QPixmap:
    """A pixmap of ``image`` (UI thread only)."""
    return QPixmap.fromImage(to_qimage(image))


class ThumbnailCache:
    """Thumbnails of tree nodes, made once per node (a node's image never changes)."""

    def __init__(self, size: int = THUMBNAIL_SIZE) -> None:
        self.size = size
        self._pixmaps: dict[str, QPixmap] = {}

    def get(self, tree, node_id: str) -> QPixmap:
        """The thumbnail of node ``node_id``, aspect kept, at most ``size`` on each side."""
        pixmap = self._pixmaps.get(node_id)
        if pixmap is None:
            small = tree.image(node_id).copy()
            small.thumbnail((self.size, self.size), Image.Resampling.LANCZOS)
            pixmap = self._pixmaps[node_id] = to_pixmap(small)
        return pixmap

    def clear(self) -> None:
        """Forget every thumbnail (a new session)."""
        self._pixmaps.clear()

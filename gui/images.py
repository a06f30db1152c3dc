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


def thumbnail_image(image: Image.Image, size: int = THUMBNAIL_SIZE) -> QImage:
    """``image`` scaled to at most ``size`` on each side, aspect kept (safe off the UI thread)."""
    small = image.copy()
    small.thumbnail((size, size), Image.Resampling.LANCZOS)
    return to_qimage(small)


def tree_thumbnails(tree, size: int = THUMBNAIL_SIZE) -> dict[str, QImage]:
    """Thumbnails of every node of ``tree`` (made on the file thread when a project opens)."""
    return {node.id: thumbnail_image(tree.image(node.id), size) for node in tree.nodes()}


class ThumbnailCache:
    """Thumbnails of tree nodes, made once per node (a node's image never changes)."""

    def __init__(self, size: int = THUMBNAIL_SIZE) -> None:
        self.size = size
        self._pixmaps: dict[str, QPixmap] = {}
        self._prepared: dict[str, QImage] = {}

    def get(self, tree, node_id: str) -> QPixmap:
        """The thumbnail of node ``node_id``, aspect kept, at most ``size`` on each side."""
        pixmap = self._pixmaps.get(node_id)
        if pixmap is None:
            image = self._prepared.pop(node_id, None) or thumbnail_image(tree.image(node_id), self.size)
            pixmap = self._pixmaps[node_id] = QPixmap.fromImage(image)
        return pixmap

    def add_prepared(self, images: dict[str, QImage]) -> None:
        """Use thumbnails made ahead, off the UI thread (a freshly opened project's)."""
        self._prepared.update(images)

    def clear(self) -> None:
        """Forget every thumbnail (a new session)."""
        self._pixmaps.clear()
        self._prepared.clear()

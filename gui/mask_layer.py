"""The mask being drawn for the next edit, one per node, with every change undoable.

Each node has its own draft: selecting a result shows the mask its edit used (and starts
the next edit from it); painting on a node changes only that node's draft. Every stroke,
rectangle, lasso, invert, clear and feather is a :class:`MaskCommand` on the editor's undo
stack, so Ctrl+Z takes back mask changes and edits in the order they were made. Each change
(done or undone) is announced with ``draft_set`` so the session keeps the draft too.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, Optional, Sequence

from PIL import Image
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF, QUndoCommand, QUndoStack

WHITE, BLACK = QColor(255, 255, 255), QColor(0, 0, 0)


def mask_to_qimage(mask: Image.Image) -> QImage:
    """An 8-bit PIL mask as a grayscale QImage that owns its pixels."""
    mask = mask.convert("L")
    return QImage(mask.tobytes(), mask.width, mask.height, mask.width, QImage.Format.Format_Grayscale8).copy()


def qimage_to_mask(image: QImage) -> Image.Image:
    """A grayscale QImage as an 8-bit PIL mask."""
    image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    data = bytes(image.constBits())
    return Image.frombuffer("L", (image.width(), image.height()), data, "raw", "L", image.bytesPerLine(), 1).copy()


def _is_blank(image: QImage) -> bool:
    return qimage_to_mask(image).getbbox() is None


class MaskLayer(QObject):
    """The shown node's draft mask (a grayscale QImage, white = edit) and the drafts of the others."""

    changed = Signal()
    draft_set = Signal(str)  # a node's draft changed (a change done, undone or redone)

    def __init__(self, undo_stack: QUndoStack, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.undo_stack = undo_stack
        self.node_id: Optional[str] = None
        self.image: Optional[QImage] = None
        self._drafts: dict[str, QImage] = {}
        self._stroke: Optional[tuple[Optional[str], QImage]] = None  # (node, draft before) of a live stroke

    # -- which node ----------------------------------------------------------------------
    def show_node(self, node_id: Optional[str], size: Optional[tuple[int, int]],
                  stored: Optional[Image.Image] = None) -> None:
        """Show ``node_id``'s draft; a node without one starts from ``stored`` (its edit's mask) or empty."""
        self.node_id = node_id
        if node_id is None or size is None:
            self.image = None
        else:
            if node_id not in self._drafts:
                draft = mask_to_qimage(stored) if stored is not None and stored.size == size else None
                if draft is None:
                    draft = QImage(size[0], size[1], QImage.Format.Format_Grayscale8)
                    draft.fill(0)
                self._drafts[node_id] = draft
            self.image = self._drafts[node_id]
        self.changed.emit()

    def forget(self) -> None:
        """Drop every draft (a new session)."""
        self._drafts.clear()
        self.node_id = self.image = None
        self.changed.emit()

    def set_draft(self, node_id: str, image: QImage) -> None:
        """Replace ``node_id``'s draft (undo and redo use this)."""
        self._drafts[node_id] = image.copy()
        if node_id == self.node_id:
            self.image = self._drafts[node_id]
            self.changed.emit()
        self.draft_set.emit(node_id)

    def draft(self, node_id: str) -> Optional[QImage]:
        """``node_id``'s draft, or None when it was never shown."""
        return self._drafts.get(node_id)

    # -- reading -------------------------------------------------------------------------
    def is_empty(self) -> bool:
        """Whether nothing is selected (an edit then changes the whole image)."""
        return self.image is None or _is_blank(self.image)

    def mask(self) -> Optional[Image.Image]:
        """The mask for the next edit, or None when nothing is painted."""
        return None if self.is_empty() else qimage_to_mask(self.image)

    # -- changes (each one undoable) -------------------------------------------------------
    def change(self, text: str, draw: Callable[[QImage], Optional[QImage]]) -> bool:
        """Apply ``draw`` to a copy of the draft (it paints in place or returns a new image) and
        push the change; False when there is nothing to draw on or nothing changed."""
        if self.image is None or self.node_id is None:
            return False
        before = self.image.copy()
        after = before.copy()
        after = draw(after) or after
        if after == before:
            return False
        self.undo_stack.push(MaskCommand(self, self.node_id, before, after, text))
        return True

    def stroke(self, points: Sequence[QPointF], radius: float, erase: bool) -> bool:
        """A brush (or eraser) stroke of ``radius`` pixels through ``points``."""
        self.begin_stroke()
        self.paint(points, radius, erase)
        return self.end_stroke(erase)

    def begin_stroke(self) -> None:
        """Start a stroke painted live with :meth:`paint` (remembers the draft before it)."""
        self._stroke = None if self.image is None else (self.node_id, self.image.copy())

    def paint(self, points: Sequence[QPointF], radius: float, erase: bool) -> None:
        """Paint part of a stroke into the shown draft now (the mouse is still down)."""
        if self.image is None:
            return
        with _painter(self.image) as painter:
            painter.setPen(QPen(BLACK if erase else WHITE, 2 * radius, Qt.PenStyle.SolidLine,
                                Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
            if len(points) == 1:
                painter.drawPoint(points[0])
            else:
                painter.drawPolyline(QPolygonF(list(points)))
        self.changed.emit()

    def end_stroke(self, erase: bool) -> bool:
        """Finish a live stroke: one undoable change (none when nothing changed, or when another
        node was shown meanwhile, whose draft the stroke did not start on)."""
        stroke, self._stroke = self._stroke, None
        if stroke is None or stroke[0] != self.node_id or self.image is None or self.image == stroke[1]:
            return False
        self.undo_stack.push(MaskCommand(self, stroke[0], stroke[1], self.image.copy(),
                                         "Mask: erase" if erase else "Mask: brush"))
        return True

    def fill_rect(self, rect: QRectF, erase: bool = False) -> bool:
        """Fill a rectangle (image pixels)."""
        def draw(image: QImage) -> None:
            with _painter(image, antialias=False) as painter:
                painter.fillRect(rect.normalized(), BLACK if erase else WHITE)
        return self.change("Mask: rectangle", draw)

    def fill_lasso(self, points: Sequence[QPointF], erase: bool = False) -> bool:
        """Fill the closed outline through ``points``."""
        if len(points) < 3:
            return False

        def draw(image: QImage) -> None:
            path = QPainterPath()
            path.addPolygon(QPolygonF(list(points)))
            path.closeSubpath()
            with _painter(image) as painter:
                painter.fillPath(path, BLACK if erase else WHITE)
        return self.change("Mask: lasso", draw)

    def invert(self) -> bool:
        """Edit what was kept and keep what was edited."""
        return self.change("Mask: invert", lambda image: image.invertPixels())

    def clear(self) -> bool:
        """Remove the mask (the next edit changes the whole image)."""
        return self.change("Mask: clear", lambda image: image.fill(0))

    def feather(self, radius: float) -> bool:
        """Soften the mask's edges by ``radius`` pixels."""
        from core.flux.masks import feather  # imports numpy: not needed before the window shows

        return self.change("Mask: feather", lambda image: mask_to_qimage(feather(qimage_to_mask(image), radius)))


@contextmanager
def _painter(image: QImage, antialias: bool = True) -> Iterator[QPainter]:
    """A QPainter on ``image`` for a ``with`` block (ended even when drawing fails)."""
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, antialias)
    try:
        yield painter
    finally:
        painter.end()


class MaskCommand(QUndoCommand):
    """One mask change of one node: redo puts ``after``, undo puts ``before`` back."""

    def __init__(self, layer: MaskLayer, node_id: str, before: QImage, after: QImage, text: str) -> None:
        super().__init__(text)
        self.layer, self.node_id, self.before, self.after = layer, node_id, before, after

    def redo(self) -> None:
        """Apply the change (also on the push, which is what draws it)."""
        self.layer.set_draft(self.node_id, self.after)

    def undo(self) -> None:
        """Take the change back."""
        self.layer.set_draft(self.node_id, self.before)

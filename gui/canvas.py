"""The canvas: the current image, zoom (wheel, keys), pan, fit, 100%, and a before/after split."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap, QWheelEvent
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QGraphicsView, QStyleOptionGraphicsItem, QWidget

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.02, 32.0
EMPTY_TEXT = "Open a photo (Ctrl+O) or drop one here,\nor describe an image in the edit panel to generate one."


class CompareItem(QGraphicsItem):
    """Paints the image; in compare mode the part left of the split shows the "before" image."""

    def __init__(self) -> None:
        super().__init__()
        self.after: Optional[QPixmap] = None
        self.before: Optional[QPixmap] = None
        self.split = 0.5
        self.comparing = False

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt naming)
        """The shown image's rectangle in scene coordinates."""
        return QRectF(self.after.rect()) if self.after is not None else QRectF()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: Optional[QWidget] = None) -> None:
        """Draw the after image, then the before image up to the split line."""
        if self.after is None:
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, painter.transform().m11() < 1)
        rect = self.boundingRect()
        painter.drawPixmap(rect, self.after, QRectF(self.after.rect()))
        if not self.comparing or self.before is None:
            return
        x = rect.width() * self.split
        # The parent may be another size (a photo and its working-size edit): map by fraction.
        source = QRectF(0, 0, self.before.width() * self.split, self.before.height())
        painter.drawPixmap(QRectF(0, 0, x, rect.height()), self.before, source)
        pen = QPen(QColor(255, 255, 255, 220), 0)  # cosmetic: one pixel wide at any zoom
        painter.setPen(pen)
        painter.drawLine(QPointF(x, 0), QPointF(x, rect.height()))


class CanvasView(QGraphicsView):
    """A zoomable, pannable view of one image with an optional before/after comparison."""

    zoom_changed = Signal(float)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("canvas")
        self._scene = QGraphicsScene(self)
        self._item = CompareItem()
        self._scene.addItem(self._item)
        self.setScene(self._scene)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setAcceptDrops(False)  # drops go to the main window
        self.viewport().setAcceptDrops(False)
        self._fit = True

    # -- content -------------------------------------------------------------------------
    def set_image(self, after: Optional[QPixmap], before: Optional[QPixmap] = None) -> None:
        """Show ``after``; ``before`` is what compare mode shows left of the split."""
        resized = self._item.after is None or after is None or after.size() != self._item.after.size()
        self._item.prepareGeometryChange()
        self._item.after, self._item.before = after, before
        self._scene.setSceneRect(self._item.boundingRect())
        if resized and self._fit:
            self.fit()
        self._item.update()
        self.viewport().update()

    def has_image(self) -> bool:
        """Whether an image is shown."""
        return self._item.after is not None

    def can_compare(self) -> bool:
        """Whether there is a "before" image to compare with."""
        return self._item.before is not None

    def set_comparing(self, on: bool) -> None:
        """Turn the before/after split on or off."""
        self._item.comparing = on
        self._item.update()

    def set_split(self, fraction: float) -> None:
        """Where the split line is, 0 (all after) .. 1 (all before)."""
        self._item.split = min(1.0, max(0.0, fraction))
        self._item.update()

    # -- zoom ----------------------------------------------------------------------------
    def zoom(self) -> float:
        """The current scale (1.0 = 100%)."""
        return self.transform().m11()

    def set_zoom(self, scale: float) -> None:
        """Zoom to ``scale`` (clamped), leaving fit mode."""
        scale = min(MAX_ZOOM, max(MIN_ZOOM, scale))
        self._fit = False
        factor = scale / self.zoom()
        self.scale(factor, factor)
        self.zoom_changed.emit(self.zoom())

    def zoom_in(self) -> None:
        """One step closer."""
        self.set_zoom(self.zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        """One step further."""
        self.set_zoom(self.zoom() / ZOOM_STEP)

    def actual_size(self) -> None:
        """100%: one image pixel per screen pixel."""
        self.set_zoom(1.0)

    def fit(self) -> None:
        """Fit the whole image in the view (and keep fitting as the window resizes)."""
        self._fit = True
        if self._item.after is not None:
            self.fitInView(self._item.boundingRect(), Qt.AspectRatioMode.KeepAspectRatio)
            self.zoom_changed.emit(self.zoom())

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt naming)
        """The wheel zooms around the cursor."""
        steps = event.angleDelta().y() / 120
        if steps and self.has_image():
            self.set_zoom(self.zoom() * ZOOM_STEP ** steps)
            event.accept()
        else:
            super().wheelEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt naming)
        """Keep the image fitted while in fit mode."""
        super().resizeEvent(event)
        if self._fit:
            self.fit()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802 (Qt naming)
        """With nothing to show, say how to start."""
        if self.has_image():
            return
        painter.save()
        painter.resetTransform()
        painter.setPen(self.palette().placeholderText().color())
        painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, EMPTY_TEXT)
        painter.restore()

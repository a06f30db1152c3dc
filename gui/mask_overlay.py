"""The mask on the canvas: a tinted overlay over the image, and the mouse side of the tools.

The overlay is one item in the canvas's scene, whose coordinates are the working image's
pixels. While a tool is active it takes the left mouse button: the brush and eraser paint
along the drag, the rectangle and the lasso fill their outline on release.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from gui.mask_layer import MaskLayer

TINT = QColor(255, 64, 96)
OPACITY = 0.45
TOOLS = ("pan", "brush", "eraser", "rectangle", "lasso")


class MaskOverlayItem(QGraphicsItem):
    """Paints the layer's mask as a tint and turns drags into mask changes for the active tool."""

    def __init__(self, layer: MaskLayer) -> None:
        super().__init__()
        self.layer = layer
        self.tool = "pan"
        self.radius = 12.0
        self._tinted: Optional[QImage] = None
        self._points: list[QPointF] = []  # the drag in progress
        self._hover: Optional[QPointF] = None  # where the brush outline is drawn
        self.setZValue(1)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        layer.changed.connect(self.refresh)

    def set_tool(self, tool: str) -> None:
        """Make ``tool`` (one of :data:`TOOLS`) active; "pan" gives the mouse back to the canvas."""
        if tool not in TOOLS:
            raise ValueError(f"unknown mask tool {tool!r}")
        self.tool = tool
        self._points = []
        drawing = tool != "pan"
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton if drawing else Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(tool in ("brush", "eraser"))
        self._hover = None
        self.setCursor(Qt.CursorShape.CrossCursor if drawing else Qt.CursorShape.ArrowCursor)
        self.update()

    def refresh(self) -> None:
        """Rebuild the tint from the layer's mask (after any change)."""
        self.prepareGeometryChange()
        image = self.layer.image
        self._tinted = None
        if image is not None and not self.layer.is_empty():
            tinted = QImage(image.size(), QImage.Format.Format_ARGB32_Premultiplied)
            tinted.fill(TINT)
            tinted.setAlphaChannel(image)
            self._tinted = tinted
        self.update()

    def has_overlay(self) -> bool:
        """Whether a mask is shown."""
        return self._tinted is not None

    def set_radius(self, radius: float) -> None:
        """The brush and eraser radius in image pixels."""
        self.prepareGeometryChange()
        self.radius = radius
        self.update()

    def _mask_rect(self) -> QRectF:
        image = self.layer.image
        return QRectF(0, 0, image.width(), image.height()) if image is not None else QRectF()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt naming)
        """The mask's rectangle (image pixels), with room for the brush outline at its edges."""
        rect = self._mask_rect()
        return rect.adjusted(-self.radius - 1, -self.radius - 1, self.radius + 1, self.radius + 1) \
            if not rect.isEmpty() else rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: Optional[QWidget] = None) -> None:
        """The tint, then the outline of a rectangle or lasso being dragged."""
        if self._tinted is not None:
            painter.setOpacity(OPACITY)
            painter.drawImage(self._mask_rect(), self._tinted)
            painter.setOpacity(1.0)
        if self._hover is not None and self.tool in ("brush", "eraser"):
            painter.setPen(QPen(QColor(255, 255, 255, 200), 0))  # cosmetic: one pixel at any zoom
            painter.drawEllipse(self._hover, self.radius, self.radius)
        if len(self._points) > 1 and self.tool in ("rectangle", "lasso"):
            painter.setPen(QPen(TINT, 0, Qt.PenStyle.DashLine))  # cosmetic: one pixel at any zoom
            if self.tool == "rectangle":
                painter.drawRect(QRectF(self._points[0], self._points[-1]).normalized())
            else:
                painter.drawPolygon(QPolygonF(self._points))

    # -- the mouse ----------------------------------------------------------------------
    def hoverMoveEvent(self, event: QGraphicsSceneHoverEvent) -> None:  # noqa: N802 (Qt naming)
        """Show the brush's size where it would paint."""
        self._hover = event.pos()
        self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:  # noqa: N802 (Qt naming)
        """Hide the brush outline."""
        self._hover = None
        self.update()

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 (Qt naming)
        """Start a drag of the active tool."""
        if self.tool == "pan" or self.layer.image is None:
            event.ignore()
            return
        self._points = [event.pos()]
        if self.tool in ("brush", "eraser"):
            self.layer.begin_stroke()
            self.layer.paint(self._points, self.radius, self.tool == "eraser")
        event.accept()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 (Qt naming)
        """Follow the drag (a rectangle keeps its start and the current corner)."""
        if not self._points:
            return
        if self.tool == "rectangle":
            self._points[1:] = [event.pos()]
        else:
            self._points.append(event.pos())
            self._hover = event.pos()
            if self.tool != "lasso":
                self.layer.paint(self._points[-2:], self.radius, self.tool == "eraser")
        self.update()

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 (Qt naming)
        """Finish the drag: one undoable mask change."""
        points, self._points = self._points + [event.pos()], []
        if self.tool in ("brush", "eraser"):
            self.layer.paint(points[-2:], self.radius, self.tool == "eraser")
            self.layer.end_stroke(erase=self.tool == "eraser")
        elif len(points) < 2:
            return
        elif self.tool == "rectangle":
            self.layer.fill_rect(QRectF(points[0], points[-1]))
        else:
            self.layer.fill_lasso(points)
        self.update()

"""Masks in the editor: ties the tool bar, the mask layer, the canvas overlay and the session.

The shown node's mask follows the current node (a result shows the mask its edit used);
the next edit of that node uses what is painted, and an empty mask edits the whole image.
What is painted is kept in the session's tree as the node's draft, so saving a project (or
the autosave) keeps it and reopening shows it again.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

from PySide6.QtCore import QObject
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QGraphicsView, QWidget

from gui.edit_settings import EditSettings
from gui.mask_layer import MaskLayer, qimage_to_mask
from gui.mask_overlay import MaskOverlayItem
from gui.mask_tools import MaskToolBar


class MaskEditor(QObject):
    """Owns the mask tools of one window; :meth:`with_mask` adds the mask to an edit."""

    def __init__(self, window: QWidget, canvas: QGraphicsView, controller) -> None:
        super().__init__(window)
        self.canvas = canvas
        self.controller = controller
        self.layer = MaskLayer(controller.undo_stack, self)
        self.layer.draft_set.connect(self._keep_draft)
        self.overlay = MaskOverlayItem(self.layer)
        canvas.scene().addItem(self.overlay)
        self.toolbar = MaskToolBar(window)
        self.overlay.set_radius(self.toolbar.size.value() / 2)
        self.toolbar.tool_chosen.connect(self.set_tool)
        self.toolbar.size_changed.connect(lambda size: self.overlay.set_radius(size / 2))
        self.toolbar.invert_requested.connect(self.layer.invert)
        self.toolbar.clear_requested.connect(self.layer.clear)
        self.toolbar.feather_requested.connect(self.layer.feather)
        for key, action in (("[", self.toolbar.shrink), ("]", self.toolbar.grow)):
            QShortcut(QKeySequence(key), window, action)  # text fields keep their own [ and ]
        controller.tree_changed.connect(lambda _event, _node: self.sync())
        controller.session_replaced.connect(self._on_session_replaced)
        self.sync()

    def set_tool(self, tool: str) -> None:
        """Activate a tool; painting tools take the left button from the canvas's panning."""
        self.overlay.set_tool(tool)
        drag = QGraphicsView.DragMode.ScrollHandDrag if tool == "pan" else QGraphicsView.DragMode.NoDrag
        self.canvas.setDragMode(drag)

    def sync(self) -> None:
        """Show the current node's mask (tools are off while nothing is open)."""
        tree = self.controller.tree
        current: Optional[str] = tree.current_id if tree is not None else None
        if current is None:
            self.layer.show_node(None, None)
        else:
            draft = tree.draft(current)
            self.layer.show_node(current, tree.image(current).size, draft if draft is not None else tree.mask(current))
        self.toolbar.setEnabled(current is not None)

    def _keep_draft(self, node_id: str) -> None:
        """Put a node's painted mask in the tree (none when it is what the node starts from:
        its edit's mask, or nothing)."""
        tree, image = self.controller.tree, self.layer.draft(node_id)
        if tree is None or image is None or not tree.contains(node_id):
            return
        painted, start = qimage_to_mask(image), tree.mask(node_id)
        unchanged = painted.getbbox() is None if start is None else painted.tobytes() == start.tobytes()
        tree.set_draft(node_id, None if unchanged else painted)

    def _on_session_replaced(self) -> None:
        self.layer.forget()
        self.sync()

    def with_mask(self, settings: EditSettings) -> EditSettings:
        """``settings`` with the painted mask (None when nothing is painted or nothing is open)."""
        return dataclasses.replace(settings, mask=self.layer.mask())

"""Reversible operations on an :class:`~core.session.tree.EditTree`.

Each has ``apply(tree)``, ``revert(tree)`` and a short ``text`` for an undo menu. The
headless :class:`~core.session.history.SessionHistory` and the editor's ``QUndoStack``
push the same objects. No operation ever destroys a result:

- undoing an edit (``AddNodes.revert``) only moves ``current`` back; the results stay in
  the tree as a branch that can be made current again (what users of history panels
  expect), and redo makes the first result current again;
- ``DeleteBranch`` hides a subtree; its revert brings back exactly those nodes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Sequence

from PIL import Image

from core.api.errors import ParameterError
from core.api.trajectory import Trajectory
from core.session.node import EditNode

if TYPE_CHECKING:
    from core.session.tree import EditTree

_TEXT_CHARS = 40


def _short(prompt: str) -> str:
    prompt = " ".join(prompt.split())
    return prompt if len(prompt) <= _TEXT_CHARS else prompt[: _TEXT_CHARS - 1] + "…"


class AddNodes:
    """Adds result nodes (one per target prompt) under one parent and makes the first current.

    ``revert`` restores the previous current node and leaves the results in the tree as a
    branch; applying again (redo) makes the first result current again. When the parent
    was deleted while the edit ran, the parent (and its deleted ancestors) come back, so a
    finished result is never thrown away.
    """

    def __init__(
        self, nodes: Sequence[EditNode], images: Sequence[Image.Image], trajectories: Sequence[Optional[Trajectory]],
        masks: Optional[Sequence[Optional[Image.Image]]] = None,
    ) -> None:
        masks = [None] * len(nodes) if masks is None else list(masks)
        if not nodes or not len(nodes) == len(images) == len(trajectories) == len(masks):
            raise ValueError("AddNodes needs one image, one trajectory (or None) and one mask (or None) per node")
        parents = {node.parent_id for node in nodes}
        if len(parents) != 1 or None in parents:
            raise ValueError("AddNodes adds results under one existing parent")
        self.nodes = list(nodes)
        self.images = list(images)
        self.trajectories = list(trajectories)
        self.masks = masks
        self.parent_id: str = self.nodes[0].parent_id  # type: ignore[assignment]
        self.text = f"Edit: {_short(self.nodes[0].prompt)}"
        self._previous: Optional[str] = None

    def apply(self, tree: "EditTree") -> None:
        """Insert the results (the first time) and make the first one current."""
        self._previous = tree.current_id
        tree.set_deleted([node.id for node in tree.path_to(self.parent_id)], False)
        for node, image, trajectory, mask in zip(self.nodes, self.images, self.trajectories, self.masks):
            if not tree.contains(node.id):
                tree.insert(node, image, trajectory, mask)
        tree.set_current(self.nodes[0].id)

    def revert(self, tree: "EditTree") -> None:
        """Make the previous node current again; the results stay in the tree."""
        tree.set_current(self._previous)


class SetCurrent:
    """Makes a node current; ``revert`` restores the previous current node."""

    def __init__(self, node_id: str, text: Optional[str] = None) -> None:
        self.node_id = node_id
        self.text = text or "Go to another result"
        self._previous: Optional[str] = None

    def apply(self, tree: "EditTree") -> None:
        """Remember the current node, then move to ``node_id``."""
        if not tree.is_live(self.node_id):
            raise ParameterError("that result was deleted: undo the deletion to go back to it")
        self._previous = tree.current_id
        tree.set_current(self.node_id)

    def revert(self, tree: "EditTree") -> None:
        """Move back to the node that was current before."""
        tree.set_current(self._previous)


class DeleteBranch:
    """Removes a node and its subtree from view; ``revert`` brings exactly those back.

    When the current node is inside the branch, the branch's parent becomes current.
    The root cannot be deleted (open another photo instead).
    """

    def __init__(self, node_id: str) -> None:
        self.node_id = node_id
        self.text = "Delete branch"
        self._hidden: list[str] = []
        self._previous: Optional[str] = None

    def apply(self, tree: "EditTree") -> None:
        """Hide the branch and move ``current`` out of it if needed."""
        node = tree.node(self.node_id)
        if node.parent_id is None:
            raise ParameterError("the original image cannot be deleted: open another photo to start over")
        self.text = f"Delete branch: {_short(node.prompt)}"
        self._previous = tree.current_id
        self._hidden = tree.subtree_ids(self.node_id)
        tree.set_deleted(self._hidden, True)
        if self._previous in self._hidden:
            tree.set_current(node.parent_id)

    def revert(self, tree: "EditTree") -> None:
        """Bring the hidden nodes back and restore the current node."""
        tree.set_deleted(self._hidden, False)
        tree.set_current(self._previous)

"""Which text "Describe the image" shows for a node: the description belongs to the node.

A result shows its own prompt; a photo shows the description it was last edited with (a
child's source prompt) or the one a recipe embedded in it gave, else nothing. Whatever the
user typed while a node was shown is kept for that node until the session is replaced, so
switching nodes and back shows it again, and another photo never inherits it.
"""

from __future__ import annotations

from typing import Optional


class NodeDescriptions:
    """Typed descriptions per node id, over what the tree itself says about each node."""

    def __init__(self) -> None:
        self._typed: dict[str, str] = {}

    def remember(self, node_id: Optional[str], text: str) -> None:
        """Keep ``text`` as what the user typed for ``node_id`` (nothing for no node)."""
        if node_id is not None:
            self._typed[node_id] = text

    def for_node(self, tree, node_id: str) -> str:
        """The description to show for ``node_id``."""
        typed = self._typed.get(node_id)
        if typed is not None:
            return typed
        node = tree.node(node_id)
        if node.prompt:
            return node.prompt
        used = [child.source_prompt for child in tree.children(node_id) if child.source_prompt]
        return used[-1] if used else ""

    def clear(self) -> None:
        """Forget every typed description (a new session)."""
        self._typed.clear()

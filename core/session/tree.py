"""The edit tree: the opened photo or generated image at the root, every edit a child.

Front ends change the tree only through the reversible operations of
:mod:`core.session.operations` (``AddNodes``, ``SetCurrent``, ``DeleteBranch``) and redraw from the
listener events ``"added"``, ``"removed"``, ``"current"`` and ``"reset"``. Deleted nodes
are hidden, never destroyed, so every operation can be undone exactly. A mask being painted
for a node's next edit (its draft) is kept too, so projects and autosaves hold it; setting one
sends ``"draft"``.
"""

from __future__ import annotations

import hashlib
from typing import Callable, Iterable, Optional

from PIL import Image

from core.api.errors import ParameterError
from core.api.trajectory import Trajectory
from core.flux.masks import compose_full_size
from core.session.node import EditNode
from core.session.trajectory_store import DEFAULT_IN_MEMORY, TrajectoryStore

__all__ = ["EditNode", "EditTree", "TreeListener"]

TreeListener = Callable[[str, Optional[str]], None]
DRAFT_DIGEST_LENGTH = 16  # hex digits


class EditTree:
    """Nodes, their images (at working size), latent trajectories and masks, and the current node.

    A photo root opened above the working size also keeps the original photo, from which
    :meth:`full_size_image` composes any result at the original size.

    Only the ``trajectories_in_memory`` most recently used trajectories stay in memory; the
    others wait in a scratch folder (see :mod:`core.session.trajectory_store`).
    """

    def __init__(self, trajectories_in_memory: int = DEFAULT_IN_MEMORY) -> None:
        self.root_id: Optional[str] = None
        self.current_id: Optional[str] = None
        self._nodes: dict[str, EditNode] = {}  # insertion order is creation order
        self._images: dict[str, Image.Image] = {}
        self._trajectories = TrajectoryStore(trajectories_in_memory)
        self._masks: dict[str, Image.Image] = {}
        self._drafts: dict[str, tuple[Image.Image, str]] = {}  # node id -> (mask being painted, its digest)
        self._original: Optional[Image.Image] = None
        self._deleted: set[str] = set()
        self._listeners: list[TreeListener] = []

    # -- reading -------------------------------------------------------------------------
    def contains(self, node_id: str) -> bool:
        """Whether the tree holds ``node_id`` (live or deleted)."""
        return node_id in self._nodes

    def is_live(self, node_id: str) -> bool:
        """Whether ``node_id`` is in the tree and not deleted."""
        return node_id in self._nodes and node_id not in self._deleted

    def node(self, node_id: str) -> EditNode:
        """The node called ``node_id`` (deleted ones too, so undo can bring them back)."""
        try:
            return self._nodes[node_id]
        except KeyError:
            raise ParameterError(f"this session has no result with id {node_id}") from None

    def image(self, node_id: str) -> Image.Image:
        """The node's image at working size."""
        self.node(node_id)
        return self._images[node_id]

    def trajectory(self, node_id: str) -> Optional[Trajectory]:
        """The node's latent trajectory, or None when its method produced none."""
        self.node(node_id)
        return self._trajectories.get(node_id)

    def trajectory_summary(self, node_id: str) -> Optional[tuple[str, int]]:
        """The prompt and step count of the node's trajectory (None when it has none), without
        reading a spilled trajectory back from disk: cheap enough for the UI thread."""
        self.node(node_id)
        return self._trajectories.summary(node_id)

    def trajectory_bytes(self, node_id: str) -> Optional[bytes]:
        """The node's trajectory as safetensors bytes, without loading a spilled one into memory."""
        self.node(node_id)
        return self._trajectories.encoded(node_id)

    def draft(self, node_id: str) -> Optional[Image.Image]:
        """The mask painted on the node for its next edit (working size, white = edit), or None."""
        self.node(node_id)
        entry = self._drafts.get(node_id)
        return None if entry is None else entry[0]

    def drafts(self) -> dict[str, str]:
        """The live nodes' drafts: node id -> a digest of the draft's pixels (it names the saved file)."""
        return {node_id: digest for node_id, (_mask, digest) in self._drafts.items() if self.is_live(node_id)}

    def mask(self, node_id: str) -> Optional[Image.Image]:
        """The 8-bit mask (working size, white = edited) the node's edit was restricted to, or None."""
        self.node(node_id)
        return self._masks.get(node_id)

    def original(self) -> Optional[Image.Image]:
        """The photo at its original size when that is not the working size, else None."""
        return self._original

    def full_size_image(self, node_id: str) -> Image.Image:
        """The node's image at the original photo's size: the photo itself outside every mask
        of the chain, each edit scaled up inside its own (the working image when there is no
        larger original)."""
        if self._original is None:
            return self.image(node_id)
        steps = [(self._images[node.id], self._masks.get(node.id)) for node in self.path_to(node_id)[1:]]
        return compose_full_size(self._original, steps)

    def has_trajectory(self, node_id: str) -> bool:
        """Whether the node has a trajectory (without reading a spilled one back)."""
        return node_id in self._trajectories

    def children(self, node_id: str) -> list[EditNode]:
        """Live children of ``node_id`` in creation order."""
        return [node for node in self.nodes() if node.parent_id == node_id]

    def nodes(self) -> list[EditNode]:
        """Every live (not deleted) node in creation order."""
        return [node for node_id, node in self._nodes.items() if node_id not in self._deleted]

    def path_to(self, node_id: str) -> list[EditNode]:
        """The nodes from the root down to ``node_id``."""
        path = [self.node(node_id)]
        while path[-1].parent_id is not None:
            path.append(self.node(path[-1].parent_id))
        return path[::-1]

    def subtree_ids(self, node_id: str) -> list[str]:
        """``node_id`` and its live descendants, parents before children."""
        ids = [self.node(node_id).id]
        for node in self.nodes():
            if node.parent_id in ids and node.id not in ids:
                ids.append(node.id)
        return ids

    def root_node(self) -> EditNode:
        """The root, or a ParameterError when no image is open."""
        if self.root_id is None:
            raise ParameterError("open a photo or generate an image first")
        return self._nodes[self.root_id]

    # -- listeners -----------------------------------------------------------------------
    def add_listener(self, callback: TreeListener) -> None:
        """Call ``callback(event, node_id)`` on every change: added, removed, current, reset."""
        self._listeners.append(callback)

    def remove_listener(self, callback: TreeListener) -> None:
        """Stop calling ``callback``."""
        self._listeners.remove(callback)

    def _emit(self, event: str, node_id: Optional[str]) -> None:
        for callback in list(self._listeners):
            callback(event, node_id)

    # -- changes (operations and loading use these; front ends push operations) ----------
    def reset(self, root: EditNode, image: Image.Image, trajectory: Optional[Trajectory] = None,
              original: Optional[Image.Image] = None) -> None:
        """Start over with a single root node, which becomes current (``original``: the photo
        at its original size, when larger than ``image``)."""
        if root.parent_id is not None:
            raise ValueError("a root node has no parent")
        if original is not None and (root.original_size is None or original.size != tuple(root.original_size)):
            raise ValueError("the original photo is not the root's original size")
        self._nodes.clear()
        self._images.clear()
        self._trajectories.clear()
        self._masks.clear()
        self._drafts.clear()
        self._deleted.clear()
        self._original = original
        self._store(root, image, trajectory)
        self.root_id = self.current_id = root.id
        self._emit("reset", None)

    def new_trajectory_store(self) -> TrajectoryStore:
        """An empty store like this tree's, for :meth:`load` to take over."""
        return TrajectoryStore(self._trajectories.in_memory)

    def load(self, nodes: Iterable[EditNode], images: dict[str, Image.Image],
             trajectories: dict[str, Trajectory], current_id: Optional[str],
             store: Optional[TrajectoryStore] = None,
             masks: Optional[dict[str, Image.Image]] = None, original: Optional[Image.Image] = None,
             drafts: Optional[dict[str, Image.Image]] = None) -> None:
        """Replace the whole tree (a loaded project); nodes come parents first (``drafts``: the
        masks painted on nodes for their next edits).

        ``store`` (from :meth:`new_trajectory_store`), when given, already holds the nodes'
        trajectories and replaces the tree's store: a reader fills it as it goes, so a big
        project's trajectories never all sit in memory. The nodes are checked before anything
        changes: a ValueError leaves the tree as it was. Time is linear in the node count.
        """
        nodes = list(nodes)
        masks = masks or {}
        seen: set[str] = set()
        for index, node in enumerate(nodes):
            parent_ok = node.parent_id is None if index == 0 else node.parent_id in seen
            if not parent_ok or node.id in seen or node.id not in images:
                raise ValueError("the nodes do not form one tree listed root first, parents before children")
            if node.masked != (node.id in masks) or (
                    node.masked and masks[node.id].size != images[node.parent_id].size):
                raise ValueError("a mask is missing or is not the size of the image it was drawn on")
            seen.add(node.id)
        if not nodes:
            raise ValueError("a session has a root")
        drafts = drafts or {}
        for node_id, draft in drafts.items():
            if node_id not in seen or draft.mode != "L" or draft.size != images[node_id].size:
                raise ValueError("a draft mask belongs to no result or is not the size of its result")
        self._listeners, listeners = [], self._listeners  # one "reset" event, not one per node
        try:
            root, *others = nodes
            self.reset(root, images[root.id], trajectories.get(root.id), original)
            for node in others:
                self.insert(node, images[node.id], trajectories.get(node.id), masks.get(node.id))
            for node_id, draft in drafts.items():
                self.set_draft(node_id, draft)
            if store is not None:
                self._trajectories, replaced = store, self._trajectories
                replaced.clear()
            self.current_id = current_id if current_id in self._nodes else self.root_id
        finally:
            self._listeners = listeners
        self._emit("reset", None)

    def insert(self, node: EditNode, image: Image.Image, trajectory: Optional[Trajectory] = None,
               mask: Optional[Image.Image] = None) -> None:
        """Add a node (with the mask its edit used, if any) under its (live) parent."""
        if node.id in self._nodes:
            raise ValueError(f"node {node.id} is already in the tree")
        if node.parent_id is None or not self.is_live(node.parent_id):
            raise ParameterError("that result's parent is no longer in the session")
        if node.masked != (mask is not None):
            raise ValueError("a masked node is inserted with its mask, and only then")
        self._store(node, image, trajectory)
        if mask is not None:
            self._masks[node.id] = mask
        self._emit("added", node.id)

    def _store(self, node: EditNode, image: Image.Image, trajectory: Optional[Trajectory]) -> None:
        self._nodes[node.id] = node
        self._images[node.id] = image
        if trajectory is not None:
            self._trajectories[node.id] = trajectory

    def set_draft(self, node_id: str, mask: Optional[Image.Image]) -> None:
        """Keep ``mask`` (8-bit, the node's image size) as the node's draft; None drops it."""
        if mask is None:
            changed = self._drafts.pop(node_id, None) is not None
        else:
            if mask.mode != "L" or mask.size != self.image(node_id).size:
                raise ValueError("a draft mask is 8-bit grayscale and the size of its result")
            digest = hashlib.sha256(mask.tobytes()).hexdigest()[:DRAFT_DIGEST_LENGTH]
            changed = self._drafts.get(node_id, (None, None))[1] != digest
            self._drafts[node_id] = (mask.copy(), digest)
        if changed:
            self._emit("draft", node_id)

    def set_deleted(self, node_ids: Iterable[str], deleted: bool) -> None:
        """Hide (``deleted``) or bring back nodes."""
        for node_id in node_ids:
            self.node(node_id)
            if deleted and node_id not in self._deleted:
                self._deleted.add(node_id)
                self._emit("removed", node_id)
            elif not deleted and node_id in self._deleted:
                self._deleted.discard(node_id)
                self._emit("added", node_id)

    def set_current(self, node_id: Optional[str]) -> None:
        """Make ``node_id`` (a live node, or None) current."""
        if node_id is not None and not self.is_live(node_id):
            raise ParameterError("that result is not in the session")
        if node_id != self.current_id:
            self.current_id = node_id
            self._emit("current", node_id)

"""The on-disk layout shared by project files (a zip) and autosaves (a folder).

``manifest.json`` lists the live nodes (parents first), the root and current node, and
where each node's PNG and trajectory are; ``images/<node id>.png`` holds each image
losslessly and ``trajectories/<trajectory id>.safetensors`` each latent trajectory;
``masks/<node id>.png`` holds a masked edit's 8-bit mask and ``originals/<root id>.png`` a
photo root's original-size pixels when they are larger than the working size.
Deleted (hidden) nodes are not saved: a deletion is an explicit act.
"""

from __future__ import annotations

import io
import json
from typing import Callable, Optional

from PIL import Image

from core.image_files import png_bytes
from core.session.node import EditNode
from core.session.trajectory_files import trajectory_from_bytes, trajectory_to_bytes
from core.session.tree import EditTree
from core.trajectory import Trajectory

MANIFEST = "manifest.json"
FORMAT_NAME = "stable-flow-studio-session"
FORMAT_VERSION = 1

WriteEntry = Callable[[str, bytes], None]
ReadEntry = Callable[[str], bytes]


class DamagedSessionError(ValueError):
    """A manifest or an entry it names is missing or unreadable."""


def image_name(node_id: str) -> str:
    """The entry holding a node's PNG."""
    return f"images/{node_id}.png"


def trajectory_name(trajectory_id: str) -> str:
    """The entry holding a trajectory."""
    return f"trajectories/{trajectory_id}.safetensors"


def mask_name(node_id: str) -> str:
    """The entry holding a masked edit's mask."""
    return f"masks/{node_id}.png"


def original_name(root_id: str) -> str:
    """The entry holding the original-size photo of a root."""
    return f"originals/{root_id}.png"


def session_entries(tree: EditTree) -> list[tuple[str, Callable[[], bytes]]]:
    """Every image and trajectory entry of the live nodes, with a function that encodes it.

    Encoding is deferred so an incremental writer (the autosave) skips entries it has.
    """
    entries: list[tuple[str, Callable[[], bytes]]] = []
    for node in tree.nodes():
        image = tree.image(node.id)
        entries.append((image_name(node.id), lambda image=image: png_bytes(image)))
        mask = tree.mask(node.id)
        if mask is not None:
            entries.append((mask_name(node.id), lambda mask=mask: png_bytes(mask)))
        if node.trajectory_id and tree.has_trajectory(node.id):
            # Read lazily: a spilled trajectory is only loaded when its entry is really written.
            entries.append((trajectory_name(node.trajectory_id),
                            lambda node_id=node.id: trajectory_to_bytes(tree.trajectory(node_id))))
    original = tree.original()
    if original is not None:
        entries.append((original_name(tree.root_id), lambda: png_bytes(original)))
    return entries


def manifest_bytes(tree: EditTree) -> bytes:
    """The manifest of the tree's live nodes."""
    manifest = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "root_id": tree.root_id,
        "current_id": tree.current_id,
        "nodes": [node.to_dict() for node in tree.nodes()],
        "original": tree.original() is not None,
    }
    return json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")


def write_session(tree: EditTree, write: WriteEntry, have: Optional[Callable[[str], bool]] = None) -> list[str]:
    """Write every entry (skipping those ``have`` says exist), then the manifest; returns the entry names."""
    tree.root_node()
    names = []
    for name, encode in session_entries(tree):
        names.append(name)
        if have is None or not have(name):
            write(name, encode())
    write(MANIFEST, manifest_bytes(tree))
    return names


def read_session(read: ReadEntry, tree: EditTree) -> None:
    """Load a session written by :func:`write_session` into ``tree`` (replacing what it held)."""
    try:
        manifest = json.loads(read(MANIFEST))
        if manifest.get("format") != FORMAT_NAME:
            raise DamagedSessionError("it is not a Stable Flow Studio session")
        if manifest.get("version", 0) > FORMAT_VERSION:
            raise DamagedSessionError("it was saved by a newer version of Stable Flow Studio")
        nodes = [EditNode.from_dict(data) for data in manifest["nodes"]]
        images: dict[str, Image.Image] = {}
        trajectories: dict[str, Trajectory] = {}
        masks: dict[str, Image.Image] = {}
        for node in nodes:
            images[node.id] = _read_png(read(image_name(node.id)), "RGB")
            if node.trajectory_id:
                trajectories[node.id] = trajectory_from_bytes(read(trajectory_name(node.trajectory_id)))
            if node.masked:
                masks[node.id] = _read_png(read(mask_name(node.id)), "L")
        original = None
        if manifest.get("original", False) is not False:
            if manifest["original"] is not True or not nodes:
                raise DamagedSessionError("its 'original' entry is not true or false")
            original = _read_png(read(original_name(nodes[0].id)), "RGB")
        tree.load(nodes, images, trajectories, manifest.get("current_id"), masks, original)
    except DamagedSessionError:
        raise
    except (KeyError, TypeError, ValueError, OSError) as error:
        raise DamagedSessionError(f"it is damaged ({type(error).__name__}: {error})") from None


def _read_png(data: bytes, mode: str) -> Image.Image:
    """A PNG entry's pixels; an image must be RGB (converted) and a mask 8-bit grayscale."""
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        if mode == "L" and image.mode != "L":
            raise DamagedSessionError("a mask is not an 8-bit grayscale image")
        return image.convert(mode) if image.mode != mode else image.copy()

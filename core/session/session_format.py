"""The on-disk layout shared by project files (a zip) and autosaves (a folder).

``manifest.json`` lists the live nodes (parents first), the root and current node, and
where each node's PNG and trajectory are; ``images/<node id>.png`` holds each image
losslessly and ``trajectories/<trajectory id>.safetensors`` each latent trajectory;
``masks/<node id>.png`` holds a masked edit's 8-bit mask, ``drafts/<node id>.<digest>.png``
a mask painted on a result for its next edit (the manifest's ``drafts`` maps ids to digests,
so a changed draft gets a new entry) and ``originals/<root id>.png`` a photo root's
original-size pixels when they are larger than the working size.
Deleted (hidden) nodes are not saved: a deletion is an explicit act.

Reading treats the file as untrusted: the manifest is checked field by field
(core.session.manifest_schema), every entry is read with a size cap, images are checked for
format and pixel count before they are decoded, and trajectories must fit their image.
"""

from __future__ import annotations

import io
import json
import warnings
from typing import BinaryIO, Callable, Optional

from PIL import Image

from core.session.manifest_schema import DRAFT_DIGEST, check_drafts, check_manifest, is_node_id
from core.session.node import EditNode
from core.session.session_errors import DamagedSessionError
from core.session.tree import EditTree
from core.storage.png_files import write_png
from core.storage.trajectory_checks import MAX_PIXELS
from core.storage.trajectory_files import trajectory_from_bytes
from core.storage.untrusted_json import parse_untrusted_json

MANIFEST = "manifest.json"
FORMAT_NAME = "stable-flow-studio-session"
FORMAT_VERSION = 1

# Entry size caps, checked before an entry is read (a zip entry's declared size, a file's size).
MAX_MANIFEST_BYTES = 64 * 2**20
MAX_IMAGE_BYTES = 512 * 2**20
MAX_TRAJECTORY_BYTES = 2 * 2**30

EntryWriter = Callable[[BinaryIO], None]  # writes one entry's bytes into a stream
WriteEntry = Callable[[str, EntryWriter], None]
# read(name, max_bytes): the entry's bytes, or a DamagedSessionError when it is missing,
# larger than max_bytes or unreadable.
ReadEntry = Callable[[str, int], bytes]

__all__ = ["DamagedSessionError", "MANIFEST", "image_name", "trajectory_name", "read_session", "write_session"]


def _checked_id(value: str) -> str:
    if not is_node_id(value):
        raise ValueError(f"{value!r} is not a valid result id")
    return value


def image_name(node_id: str) -> str:
    """The entry holding a node's PNG (ValueError for an id that is not a plain name)."""
    return f"images/{_checked_id(node_id)}.png"


def trajectory_name(trajectory_id: str) -> str:
    """The entry holding a trajectory (ValueError for an id that is not a plain name)."""
    return f"trajectories/{_checked_id(trajectory_id)}.safetensors"


def mask_name(node_id: str) -> str:
    """The entry holding a masked edit's mask."""
    return f"masks/{_checked_id(node_id)}.png"


def draft_name(node_id: str, digest: str) -> str:
    """The entry holding the mask painted on a result (ValueError for an id or digest that is not a plain name)."""
    if DRAFT_DIGEST.fullmatch(digest) is None:
        raise ValueError(f"{digest!r} is not a valid draft digest")
    return f"drafts/{_checked_id(node_id)}.{digest}.png"


def original_name(root_id: str) -> str:
    """The entry holding the original-size photo of a root."""
    return f"originals/{_checked_id(root_id)}.png"


def _png(image: Image.Image) -> EntryWriter:
    return lambda stream: write_png(image, stream)


def node_entries(tree: EditTree, node: EditNode) -> list[tuple[str, EntryWriter]]:
    """A live node's image, mask and trajectory entries, each with the function that writes it."""
    entries: list[tuple[str, EntryWriter]] = [(image_name(node.id), _png(tree.image(node.id)))]
    mask = tree.mask(node.id)
    if mask is not None:
        entries.append((mask_name(node.id), _png(mask)))
    if node.trajectory_id and tree.has_trajectory(node.id):
        # Read lazily: a spilled trajectory's bytes are only copied when its entry is really written.
        entries.append((trajectory_name(node.trajectory_id), lambda stream: stream.write(tree.trajectory_bytes(node.id))))
    return entries


def original_entry(tree: EditTree) -> Optional[tuple[str, EntryWriter]]:
    """The original-size photo's entry, when the session has one."""
    original = tree.original()
    return None if original is None else (original_name(tree.root_id), _png(original))


def session_entries(tree: EditTree, entries_of: Optional[Callable[[EditNode], list]] = None) -> list[tuple[str, EntryWriter]]:
    """Every image, mask and trajectory entry of the live nodes, with the function that writes it
    (``entries_of(node)``: a node's :func:`node_entries`, e.g. kept by an incremental writer).

    Writing is deferred so an incremental writer (the autosave) skips entries it has, and
    streamed so a huge photo is never copied whole in memory.
    """
    entries_of = entries_of or (lambda node: node_entries(tree, node))
    entries = [entry for node in tree.nodes() for entry in entries_of(node)]
    entries += [(draft_name(node_id, digest), _png(tree.draft(node_id))) for node_id, digest in tree.drafts().items()]
    original = original_entry(tree)
    return entries + ([original] if original is not None else [])


def entry_bytes(writer: EntryWriter) -> bytes:
    """What ``writer`` writes, as bytes."""
    buffer = io.BytesIO()
    writer(buffer)
    return buffer.getvalue()


def manifest_bytes(tree: EditTree, node_json: Optional[Callable[[EditNode], str]] = None) -> bytes:
    """The manifest of the tree's live nodes; ``node_json`` (a node's JSON text, e.g. cached by
    an incremental writer) makes it compact JSON assembled from those texts."""
    manifest = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "root_id": tree.root_id,
        "current_id": tree.current_id,
        "nodes": [] if node_json is not None else [node.to_dict() for node in tree.nodes()],
        "original": tree.original() is not None,
        "drafts": tree.drafts(),
    }
    if node_json is None:
        return json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")
    head, tail = json.dumps(manifest, sort_keys=True).split('"nodes": []')
    return f'{head}"nodes": [{", ".join(node_json(node) for node in tree.nodes())}]{tail}'.encode("utf-8")


def node_json(node: EditNode) -> str:
    """One node's manifest entry as JSON text."""
    return json.dumps(node.to_dict(), sort_keys=True)


def write_session(tree: EditTree, write: WriteEntry) -> None:
    """Write every entry, then the manifest."""
    tree.root_node()
    for name, writer in session_entries(tree):
        write(name, writer)
    manifest = manifest_bytes(tree)
    write(MANIFEST, lambda stream: stream.write(manifest))


def _decode_image(data: bytes, node_index: int, mode: str = "RGB", what: str = "image") -> Image.Image:
    """A node's PNG entry in ``mode`` (a mask must be 8-bit grayscale), refused before decoding
    when it is not a PNG or has too many pixels."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the cap below is stricter
            with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise DamagedSessionError(f"the {what} of result {node_index + 1} is over "
                                              f"{MAX_PIXELS // 2**20} megapixels")
                if mode == "L" and image.mode != "L":
                    raise DamagedSessionError(f"the {what} of result {node_index + 1} is not an 8-bit grayscale image")
                image.load()
                return image.convert(mode) if image.mode != mode else image.copy()
    except DamagedSessionError:
        raise
    except Image.DecompressionBombError:
        raise DamagedSessionError(f"the image of result {node_index + 1} is over {MAX_PIXELS // 2**20} "
                                  "megapixels") from None
    except Exception as error:  # PIL raises many types (SyntaxError, zlib.error...) for crafted PNGs
        raise DamagedSessionError(f"the {what} of result {node_index + 1} is not a readable PNG "
                                  f"({type(error).__name__})") from None


def read_session(read: ReadEntry, tree: EditTree) -> None:
    """Load a session written by :func:`write_session` into ``tree`` (replacing what it held).

    Everything is read and checked before the tree changes: a DamagedSessionError leaves it as it was.
    """
    try:
        manifest = parse_untrusted_json(read(MANIFEST, MAX_MANIFEST_BYTES))
    except ValueError as error:
        raise DamagedSessionError(f"its manifest is unreadable: {error}") from None
    nodes, current_id = check_manifest(manifest, FORMAT_NAME, FORMAT_VERSION)
    draft_digests = check_drafts(manifest, nodes)
    images: dict[str, Image.Image] = {}
    masks: dict[str, Image.Image] = {}
    drafts: dict[str, Image.Image] = {}
    store = tree.new_trajectory_store()  # filled as the entries are read: not all in memory at once
    try:
        for index, node in enumerate(nodes):
            image = images[node.id] = _decode_image(read(image_name(node.id), MAX_IMAGE_BYTES), index)
            if node.trajectory_id:
                data = read(trajectory_name(node.trajectory_id), MAX_TRAJECTORY_BYTES)
                try:
                    checked = trajectory_from_bytes(data, image.size)  # checked now, decoded again when used
                except ValueError as error:
                    raise DamagedSessionError(f"the trajectory of result {index + 1} is unusable: "
                                              f"{error}") from None
                store.add_encoded(node.id, data, checked)
            if node.masked:
                masks[node.id] = _decode_image(read(mask_name(node.id), MAX_IMAGE_BYTES), index, "L", "mask")
            if node.id in draft_digests:
                entry = read(draft_name(node.id, draft_digests[node.id]), MAX_IMAGE_BYTES)
                drafts[node.id] = _decode_image(entry, index, "L", "painted mask")
        original = None
        if manifest.get("original", False) is not False:
            if manifest["original"] is not True:
                raise DamagedSessionError("its 'original' entry is not true or false")
            original = _decode_image(read(original_name(nodes[0].id), MAX_IMAGE_BYTES), 0, "RGB", "original photo")
        tree.load(nodes, images, {}, current_id, store=store, masks=masks, original=original, drafts=drafts)
    except ValueError as error:
        store.clear()
        if isinstance(error, DamagedSessionError):
            raise
        raise DamagedSessionError(f"it is damaged ({error})") from None

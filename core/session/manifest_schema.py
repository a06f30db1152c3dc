"""Checking a session manifest read from a file before any of it is used.

A project file is something users exchange, so its manifest is untrusted: every field of
every node is checked for type, range and finiteness, and ids must match :data:`NODE_ID`
(letters, digits, ``_`` and ``-``; never a path). Anything else is one
:class:`DamagedSessionError` line; nothing is half-loaded.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Optional

from core.rules.prompts import MAX_SEQUENCE_LENGTH
from core.session.node import NODE_KINDS, EditNode
from core.session.session_errors import DamagedSessionError
from core.session.tree import DRAFT_DIGEST_LENGTH
from core.storage.photos import MAX_DECODE_PIXELS

NODE_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
DRAFT_DIGEST = re.compile(rf"[0-9a-f]{{{DRAFT_DIGEST_LENGTH}}}")  # names a draft mask's entry
MAX_NODES = 100_000
MAX_TEXT_CHARS = 20_000
MAX_SEED = 2**64 - 1
MAX_LAYER_INDEX = 1023
MAX_SIDE = 65_535


def is_node_id(value: Any) -> bool:
    """Whether ``value`` is a string matching the strict id pattern."""
    return isinstance(value, str) and NODE_ID.fullmatch(value) is not None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any) -> Optional[str]:
    if not isinstance(value, str):
        return "is not text"
    return f"is longer than {MAX_TEXT_CHARS} characters" if len(value) > MAX_TEXT_CHARS else None


def _node_id(value: Any) -> Optional[str]:
    return None if is_node_id(value) else "is not a valid id (letters, digits, '_' or '-', at most 64)"


def _bool(value: Any) -> Optional[str]:
    return None if isinstance(value, bool) else "is not true or false"


def _kind(value: Any) -> Optional[str]:
    return None if value in NODE_KINDS else f"is not one of {', '.join(NODE_KINDS)}"


def _int_in(low: int, high: int) -> Callable[[Any], Optional[str]]:
    def check(value: Any) -> Optional[str]:
        return None if _is_int(value) and low <= value <= high else f"is not a whole number from {low} to {high}"
    return check


def _number(value: Any) -> Optional[str]:
    # JSON from parse_untrusted_json holds only finite floats.
    return None if _is_int(value) or isinstance(value, float) else "is not a number"


def _params(value: Any) -> Optional[str]:
    if not isinstance(value, dict) or not all(isinstance(key, str) and len(key) <= 100 for key in value):
        return "is not a table of named values"
    return None


def _original_size(value: Any) -> Optional[str]:
    if not isinstance(value, list) or len(value) != 2 or not all(_is_int(v) and 1 <= v <= MAX_SIDE for v in value):
        return f"is not a width and height from 1 to {MAX_SIDE}"
    if value[0] * value[1] > MAX_DECODE_PIXELS:
        return f"is over {MAX_DECODE_PIXELS // 1_000_000} megapixels"
    return None


def _vital_layers(value: Any) -> Optional[str]:
    if not isinstance(value, list) or len(value) > MAX_LAYER_INDEX + 1 or \
            not all(_is_int(v) and 0 <= v <= MAX_LAYER_INDEX for v in value):
        return f"is not a list of layer indices from 0 to {MAX_LAYER_INDEX}"
    return None


def _preview(value: Any) -> Optional[str]:
    if not isinstance(value, dict) or set(value) != {"params", "max_sequence_length"} or \
            _params(value["params"]) or _int_in(1, MAX_SEQUENCE_LENGTH)(value["max_sequence_length"]):
        return "is not the full-quality settings of a preview (params and max_sequence_length)"
    return None


# field -> (required, check); an optional field may also be null.
NODE_FIELDS: dict[str, tuple[bool, Callable[[Any], Optional[str]]]] = {
    "id": (True, _node_id),
    "parent_id": (False, _node_id),
    "kind": (True, _kind),
    "prompt": (True, _text),
    "source_prompt": (False, _text),
    "method": (False, _text),
    "params": (False, _params),
    "seed": (False, _int_in(0, MAX_SEED)),
    "model_id": (False, _text),
    "created_at": (False, _number),
    "image_path": (False, _text),
    "trajectory_id": (False, _node_id),
    "original_size": (False, _original_size),
    "model_revision": (False, _text),
    "max_sequence_length": (False, _int_in(1, MAX_SEQUENCE_LENGTH)),
    "vital_layers": (False, _vital_layers),
    "masked": (False, _bool),
    "preview": (False, _preview),
    "batch_id": (False, _node_id),
}


def check_node(data: Any, index: int) -> EditNode:
    """Node ``index`` of a manifest as an :class:`EditNode`, or a DamagedSessionError naming the bad field."""
    if not isinstance(data, dict):
        raise DamagedSessionError(f"result {index + 1} in its manifest is not a table of fields")
    for name, (required, check) in NODE_FIELDS.items():
        value = data.get(name)
        if value is None and name == "params":
            continue
        if value is None:
            if required:
                raise DamagedSessionError(f"result {index + 1} in its manifest has no '{name}'")
            continue
        problem = check(value)
        if problem:
            raise DamagedSessionError(f"the '{name}' of result {index + 1} in its manifest {problem}")
    fields = {name: data[name] for name in NODE_FIELDS if data.get(name) is not None}
    fields.setdefault("parent_id", None)
    try:
        return EditNode(**fields)
    except ValueError as error:  # fields that do not go together, e.g. a photo marked as a preview
        raise DamagedSessionError(f"result {index + 1} in its manifest is inconsistent: {error}") from None


def check_manifest(manifest: Any, format_name: str, format_version: int) -> tuple[list[EditNode], Optional[str]]:
    """The manifest's nodes (parents first, as listed) and current node id, all checked."""
    if not isinstance(manifest, dict) or manifest.get("format") != format_name:
        raise DamagedSessionError("it is not a Stable Flow Studio session")
    version = manifest.get("version")
    if not _is_int(version) or version < 1:
        raise DamagedSessionError("its format version is not a whole number from 1 up")
    if version > format_version:
        raise DamagedSessionError("it was saved by a newer version of Stable Flow Studio")
    nodes = manifest.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        raise DamagedSessionError("its manifest lists no results")
    if len(nodes) > MAX_NODES:
        raise DamagedSessionError(f"it has more than {MAX_NODES} results")
    checked = [check_node(data, index) for index, data in enumerate(nodes)]
    current_id = manifest.get("current_id")
    if current_id is not None and not is_node_id(current_id):
        raise DamagedSessionError("its current result is not a valid id")
    return checked, current_id


def check_drafts(manifest: dict, nodes: list[EditNode]) -> dict[str, str]:
    """The manifest's drafts (node id -> digest, each node listed in it), all checked; none when absent."""
    drafts = manifest.get("drafts", {})
    if not isinstance(drafts, dict):
        raise DamagedSessionError("its list of painted masks is not a mapping")
    ids = {node.id for node in nodes}
    for node_id, digest in drafts.items():
        if node_id not in ids:
            raise DamagedSessionError("it has a painted mask for a result it does not list")
        if not isinstance(digest, str) or DRAFT_DIGEST.fullmatch(digest) is None:
            raise DamagedSessionError("the name of a painted mask in it is not valid")
    return drafts

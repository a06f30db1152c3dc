"""One node of the edit tree: an image and the recipe that made it."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Optional

NODE_KINDS = ("photo", "generated", "edit")


def new_node_id() -> str:
    """A fresh node id (uuid4 hex)."""
    return uuid.uuid4().hex


def json_safe(params: Mapping[str, Any]) -> dict:
    """``params`` as plain JSON values (tuples become lists), so a saved node compares equal when loaded."""
    return json.loads(json.dumps(dict(params), sort_keys=True))


@dataclass
class EditNode:
    """An image in the edit tree and how it was made.

    ``prompt`` describes this node's image (a root: the source prompt; an edit: its target
    prompt); ``source_prompt`` is the parent's description the edit started from.
    ``trajectory_id`` names the stored latent trajectory of this image (None when the method
    produced none, and for photo roots, whose inversion lives in the latent cache).
    ``original_size`` is the opened photo's size before scaling to the working size (photo
    roots only; export can scale back to it). ``masked`` says the edit was restricted by a
    mask, which the tree holds beside the node's image. ``preview`` marks a fast preview
    (core/methods/preview_mode.py) with what rendering it at full quality asks:
    ``{"params": the parameters asked, "max_sequence_length": the full text length}``.
    ``batch_id`` is shared by the edits one job made together (None for roots, and for edits
    saved before it was recorded).
    """

    id: str
    parent_id: Optional[str]
    kind: str
    prompt: str
    source_prompt: Optional[str] = None
    method: Optional[str] = None
    params: dict = field(default_factory=dict)
    seed: Optional[int] = None
    model_id: Optional[str] = None
    created_at: float = field(default_factory=time.time)
    image_path: Optional[str] = None
    trajectory_id: Optional[str] = None
    original_size: Optional[tuple[int, int]] = None
    model_revision: Optional[str] = None
    max_sequence_length: Optional[int] = None
    vital_layers: Optional[tuple[int, ...]] = None
    masked: bool = False
    preview: Optional[dict] = None
    batch_id: Optional[str] = None

    def __post_init__(self) -> None:
        if self.kind not in NODE_KINDS:
            raise ValueError(f"unknown node kind {self.kind!r}")
        if not isinstance(self.masked, bool) or (self.masked and self.kind != "edit"):
            raise ValueError("only an edit can have a mask, and 'masked' is true or false")
        self.params = json_safe(self.params)
        if self.preview is not None:
            if self.kind != "edit":
                raise ValueError("only an edit can be a preview")
            self.preview = json_safe(self.preview)
        if self.original_size is not None:
            self.original_size = (int(self.original_size[0]), int(self.original_size[1]))
        if self.vital_layers is not None:
            self.vital_layers = tuple(int(layer) for layer in self.vital_layers)

    def to_dict(self) -> dict:
        """Plain JSON values for a manifest."""
        data = asdict(self)
        data["original_size"] = list(self.original_size) if self.original_size else None
        data["vital_layers"] = list(self.vital_layers) if self.vital_layers is not None else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "EditNode":
        """The node :meth:`to_dict` described (unknown keys from newer versions are ignored)."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    def recipe(self) -> dict:
        """The edit recipe: prompts, method, parameters, seed and model (never a token)."""
        prompts = [self.source_prompt, self.prompt] if self.source_prompt is not None else [self.prompt]
        return {
            "app": "Stable Flow Studio", "kind": self.kind, "prompt": self.prompt, "source_prompt": self.source_prompt,
            "prompts": prompts, "method": self.method, "params": self.params, "seed": self.seed,
            "model": self.model_id, "model_revision": self.model_revision,
            "max_sequence_length": self.max_sequence_length,
            "vital_layers": list(self.vital_layers) if self.vital_layers is not None else None,
            **({"preview": True} if self.preview is not None else {}),
        }

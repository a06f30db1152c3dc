"""The user's registry of vital layers: detection results saved per model id.

One JSON file in the app's data folder maps a model id (a Hugging Face id, or the
resolved path of a local folder) to its vital layers and the block layout they were found
for. :func:`core.model.vital_layers.vital_layers_for` consults it after an explicit list and
before the shipped sets.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from core.api.errors import ParameterError
from core.storage.atomic import atomic_write_text
from core.storage.paths import data_dir

REGISTRY_FILE = "vital_layers.json"


@dataclass(frozen=True)
class RegisteredSet:
    """A saved vital-layer set: global indices, the layout they index into, and where they came from."""

    model: str
    layers: tuple[int, ...]
    num_double: int
    num_single: int
    source: str
    saved_at: str


def registry_path() -> Path:
    """The registry file in the app's data folder."""
    return data_dir() / REGISTRY_FILE


def _read() -> dict[str, dict]:
    path = registry_path()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        models = data["models"]
        if not isinstance(models, dict):
            raise ValueError("models is not a mapping")
        return models
    except (OSError, ValueError, KeyError, TypeError):
        raise ParameterError(
            f"the vital-layer registry {path} is damaged: delete it and register your detection results again"
        ) from None


def registered_set(model_id: str) -> RegisteredSet | None:
    """The set saved for ``model_id``, or None."""
    entry = _read().get(model_id)
    if entry is None:
        return None
    try:
        return RegisteredSet(
            model=model_id, layers=tuple(int(i) for i in entry["layers"]), num_double=int(entry["num_double"]),
            num_single=int(entry["num_single"]), source=str(entry.get("source", "")),
            saved_at=str(entry.get("saved_at", "")),
        )
    except (KeyError, TypeError, ValueError):
        raise ParameterError(
            f"the vital-layer registry entry for '{model_id}' in {registry_path()} is damaged: register it again"
        ) from None


def register_vital_layers(
    model_id: str, layers: Sequence[int], num_double: int, num_single: int, source: str
) -> RegisteredSet:
    """Save (or replace) the set for ``model_id``; the file is rewritten atomically."""
    if not layers:
        raise ParameterError(f"no vital layers to register for '{model_id}': the chosen set is empty")
    num_layers = num_double + num_single
    bad = [i for i in layers if not 0 <= i < num_layers]
    if bad:
        raise ParameterError(f"vital layer {bad[0]} is out of range for a model with {num_layers} blocks")
    entry = RegisteredSet(
        model=model_id, layers=tuple(sorted(set(layers))), num_double=num_double, num_single=num_single,
        source=source, saved_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )
    models = _read()
    stored = asdict(entry)
    del stored["model"]
    models[model_id] = {**stored, "layers": list(entry.layers)}
    atomic_write_text(registry_path(), json.dumps({"models": models}, indent=2, sort_keys=True) + "\n")
    return entry


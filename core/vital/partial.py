"""Partial results of a vital-layer detection run, saved atomically after every finished unit.

Two files sit beside the result: ``NAME.partial.json`` holds the run's parameters and the
prompts x layers similarity matrix (``null`` where not computed yet);
``NAME.partial.safetensors`` holds the full-model image embedding of each finished prompt,
needed to score the layers still to do. The embeddings file is written before the JSON
that relies on it; if it is lost, the full images are simply generated again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Optional, Sequence

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save as safetensors_bytes

from core.api.errors import ParameterError
from core.storage.atomic import atomic_write_bytes, atomic_write_text

PARTIAL_FORMAT = "stable-flow-studio/vital-layers-partial"


def partial_path(output: Path) -> Path:
    """``RESULT.partial.json`` beside ``RESULT.json``."""
    stem = output.with_suffix("") if output.suffix.lower() == ".json" else output
    return stem.with_name(stem.name + ".partial.json")


def refuse_unrequested_resume(path: Path, resume: bool) -> None:
    """An existing partial file is continued only when asked, never overwritten by accident."""
    if path.exists() and not resume:
        raise ParameterError(
            f"{path} holds partial results of an earlier run: pass --resume to continue it, or delete it to start over"
        )


def _normalized(parameters: dict[str, Any]) -> dict[str, Any]:
    """The parameters as they read back from JSON (tuples become lists), for comparisons."""
    return json.loads(json.dumps(parameters))


def _digest(parameters: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parameters, sort_keys=True).encode("utf-8")).hexdigest()


class PartialResults:
    """What a detection run has finished so far, mirrored on disk when ``path`` is given."""

    def __init__(self, path: Optional[Path], parameters: dict[str, Any], num_prompts: int, num_layers: int) -> None:
        self.path = path
        self.parameters = _normalized(parameters)
        self.similarities: list[list[Optional[float]]] = [[None] * num_layers for _ in range(num_prompts)]
        self.embeddings: dict[int, torch.Tensor] = {}

    @classmethod
    def open(
        cls, path: Optional[Path], parameters: dict[str, Any], num_prompts: int, num_layers: int, resume: bool
    ) -> "PartialResults":
        """Empty results, or (with ``resume``) those saved at ``path`` by an earlier run with the same parameters."""
        partial = cls(path, parameters, num_prompts, num_layers)
        if path is None or not path.exists():
            return partial
        refuse_unrequested_resume(path, resume)
        partial._load(num_prompts, num_layers)
        return partial

    @property
    def embeddings_path(self) -> Optional[Path]:
        """The safetensors file beside the JSON."""
        return None if self.path is None else self.path.with_suffix(".safetensors")

    def _load(self, num_prompts: int, num_layers: int) -> None:
        unreadable = ParameterError(f"{self.path} is not a readable partial result: delete it to start over")
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise unreadable from None
        if not isinstance(data, dict) or data.get("format") != PARTIAL_FORMAT:
            raise unreadable
        if data.get("parameters") != self.parameters:
            self._refuse_changed(data.get("parameters"))
        # Equal parameters mean equal prompts and layout, so the matrix must have this shape.
        similarities = data.get("similarities")
        if (
            not isinstance(similarities, list)
            or len(similarities) != num_prompts
            or any(not isinstance(row, list) or len(row) != num_layers for row in similarities)
        ):
            raise unreadable
        self.similarities = similarities
        self.embeddings = self._load_embeddings()

    def _refuse_changed(self, saved: Any) -> None:
        saved = saved if isinstance(saved, dict) else {}
        names = sorted(set(saved) | set(self.parameters))
        name = next(n for n in names if saved.get(n) != self.parameters.get(n))
        then, now = saved.get(name), self.parameters.get(name)
        if not isinstance(then, list) or not isinstance(now, list):
            detail = f"{name} was {then}, now {now}"
        elif len(then) != len(now):
            detail = f"{len(then)} {name} then, {len(now)} now"
        else:
            detail = f"the {name} differ"
        raise ParameterError(
            f"cannot resume: {self.path} was made with other parameters ({detail}); "
            "run with the same ones, or delete it to start over"
        )

    def _load_embeddings(self) -> dict[int, torch.Tensor]:
        path = self.embeddings_path
        if not path.is_file():
            return {}
        try:
            with safe_open(str(path), framework="pt", device="cpu") as stored:
                if (stored.metadata() or {}).get("parameters") != _digest(self.parameters):
                    return {}
                return {int(key.removeprefix("prompt")): stored.get_tensor(key) for key in stored.keys()}
        except (OSError, SafetensorError, ValueError):
            return {}  # recomputed from the (deterministic) full images

    def add_embeddings(self, rows: Sequence[int], embeddings: torch.Tensor) -> None:
        """Keep the full-model embeddings of prompts ``rows`` and save."""
        for row, embedding in zip(rows, embeddings):
            self.embeddings[row] = embedding.detach().to("cpu", torch.float32).clone()
        if self.path is not None:
            tensors = {f"prompt{row}": tensor for row, tensor in sorted(self.embeddings.items())}
            metadata = {"parameters": _digest(self.parameters)}
            atomic_write_bytes(self.embeddings_path, safetensors_bytes(tensors, metadata=metadata))
            self._save_json()

    def add_similarities(self, layer: int, rows: Sequence[int], values: Sequence[float]) -> None:
        """Record the similarities of prompts ``rows`` with ``layer`` bypassed, and save."""
        for row, value in zip(rows, values):
            self.similarities[row][layer] = float(value)
        if self.path is not None:
            self._save_json()

    def _save_json(self) -> None:
        data = {"format": PARTIAL_FORMAT, "parameters": self.parameters, "similarities": self.similarities}
        atomic_write_text(self.path, json.dumps(data))

    def missing_layers(self, row: int) -> list[int]:
        """The layers whose similarity for prompt ``row`` is still to compute."""
        return [layer for layer, value in enumerate(self.similarities[row]) if value is None]

    def complete_similarities(self) -> list[list[float]]:
        """The finished matrix; raises if any entry is missing."""
        if any(value is None for row in self.similarities for value in row):
            raise RuntimeError("the detection run has unfinished units")
        return [list(row) for row in self.similarities]

    def discard(self) -> None:
        """Delete the files once the final result is safely written."""
        for path in (self.path, self.embeddings_path):
            if path is not None:
                path.unlink(missing_ok=True)

"""A batch recipe: the chain of edits applied to every photo, checked like any file the app reads.

A recipe file is JSON::

    {"source_prompt": "a photo of a {stem}",          # or "auto", or omitted with a sidecar file
     "edits": [{"prompt": "a watercolor of a {stem}", "method": "stable-flow",
                "params": {"steps": 28}, "seed": 42}, ...],
     "max_pixels": 1048576, "max_sequence_length": 512, "vital_layers": null}

Edit 1 starts from the photo; edit k from edit k-1's result, with edit k-1's prompt as
its source prompt. A single edit may carry several prompts (``"prompts": [...]``: one
result each, as ``edit`` does); a chain of several edits has one prompt per edit.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

from PIL import Image

from core.api.errors import ParameterError, UserError
from core.batch.small_files import read_capped
from core.rules.method_defaults import DEFAULT_METHOD
from core.rules.prompts import MAX_SEQUENCE_LENGTH, check_prompt
from core.storage.photos import DEFAULT_MAX_PIXELS, SIZE_MULTIPLE

# Importable without torch (``batch --help`` reads this module); checking a method's
# parameters imports the methods.
if TYPE_CHECKING:
    from core.session.tree import EditTree

RECIPE_FORMAT = 1
DEFAULT_SEED = 42
MAX_RECIPE_BYTES = 1_000_000
MAX_EDITS = 64
_MAX_SEED = 2**63 - 1
_MAX_PIXELS_LIMIT = 64 * 1024 * 1024


class RecipeError(UserError):
    """A recipe file or recipe value is unusable; the message says which field and why."""


@dataclass(frozen=True)
class BatchEdit:
    """One edit of the chain: its prompt(s), method, parameters and seed."""

    prompts: tuple[str, ...]
    method: str = DEFAULT_METHOD
    params: Mapping[str, Any] = field(default_factory=dict)
    seed: int = DEFAULT_SEED

    def to_dict(self) -> dict:
        """Plain JSON values."""
        return {"prompts": list(self.prompts), "method": self.method, "params": dict(sorted(self.params.items())),
                "seed": self.seed}


@dataclass(frozen=True)
class BatchRecipe:
    """What is done to every photo of a batch (the per-photo source prompt comes from ``source``)."""

    edits: tuple[BatchEdit, ...]
    source: Optional[str] = None  # a template with {stem}/{name}, or "auto"; None: only the sidecar file
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_sequence_length: int = MAX_SEQUENCE_LENGTH
    vital_layers: Optional[tuple[int, ...]] = None

    def __post_init__(self) -> None:
        check_recipe(self)

    def to_dict(self) -> dict:
        """Plain JSON values (the format :func:`recipe_from_dict` reads)."""
        return {"format": RECIPE_FORMAT, "source_prompt": self.source, "edits": [e.to_dict() for e in self.edits],
                "max_pixels": self.max_pixels, "max_sequence_length": self.max_sequence_length,
                "vital_layers": list(self.vital_layers) if self.vital_layers is not None else None}

    def output_count(self) -> int:
        """How many result images each photo gets."""
        return len(self.edits[0].prompts) if len(self.edits) == 1 else len(self.edits)


def check_recipe(recipe: BatchRecipe) -> None:
    """Refuse a recipe with a bad value: one line naming the field."""
    if not recipe.edits:
        raise RecipeError("the recipe has no edits: give at least one edit prompt")
    if len(recipe.edits) > MAX_EDITS:
        raise RecipeError(f"the recipe has {len(recipe.edits)} edits; at most {MAX_EDITS} are allowed")
    for index, edit in enumerate(recipe.edits, start=1):
        if not edit.prompts:
            raise RecipeError(f"edit {index} has no prompt")
        if len(recipe.edits) > 1 and len(edit.prompts) != 1:
            raise RecipeError(f"edit {index} has {len(edit.prompts)} prompts: each edit of a chain has one prompt")
        for prompt in edit.prompts:
            check_prompt(prompt, f"prompt of edit {index}")
        _check_method(edit.method, index)
        check_params(edit.params, f"edit {index}")
        _check_int(edit.seed, f"seed of edit {index}", 0, _MAX_SEED)
        _check_method_params(edit, index)
    if recipe.source is not None:
        check_prompt(recipe.source, "source prompt")
    _check_int(recipe.max_pixels, "max_pixels", SIZE_MULTIPLE * SIZE_MULTIPLE, _MAX_PIXELS_LIMIT)
    _check_int(recipe.max_sequence_length, "max_sequence_length", 1, 512)
    if recipe.vital_layers is not None:
        for layer in recipe.vital_layers:
            _check_int(layer, "vital layer", 0, 10_000)


def check_params(params: Any, where: str) -> None:
    """Parameters are a mapping of names to None, booleans or finite numbers (methods check ranges)."""
    if not isinstance(params, Mapping):
        raise RecipeError(f"{where}: params must be an object of names and numbers")
    for name, value in params.items():
        if not isinstance(name, str):
            raise RecipeError(f"{where}: parameter names must be text")
        if value is None or isinstance(value, bool):
            continue
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise RecipeError(f"{where}: parameter '{name}' must be a finite number (got {value!r})")


def _check_method(method: str, index: int) -> None:
    from core.methods.registry import METHODS

    if method not in METHODS:
        raise RecipeError(f"edit {index}: unknown method '{method}' (choose one of {', '.join(METHODS)})")


def _check_method_params(edit: BatchEdit, index: int) -> None:
    """The method's own checks (names and ranges), as for a photo, before any photo is read."""
    from core.api.requests import EditRequest
    from core.methods.registry import get_method

    probe = EditRequest(method=edit.method, source_prompt="a photo", target_prompts=edit.prompts,
                        image=Image.new("RGB", (SIZE_MULTIPLE, SIZE_MULTIPLE)), params=dict(edit.params))
    try:
        get_method(edit.method).resolve_params(probe)
    except ParameterError as error:
        raise RecipeError(f"edit {index}: {error}") from None


def _check_int(value: Any, what: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RecipeError(f"{what} must be a whole number from {low} to {high} (got {value!r})")


def recipe_hash(recipe: BatchRecipe, *, photo_digest: str, source_spec: str, model: Mapping[str, Any]) -> str:
    """The key of one photo's results: the recipe, the photo's bytes, its source description and the model.

    A rerun skips a photo only when every result file carries this hash.
    """
    fields = {"recipe": recipe.to_dict(), "photo": photo_digest, "source": source_spec, "model": dict(model)}
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def recipe_from_prompts(prompts: Sequence[str], method: str = DEFAULT_METHOD, params: Optional[Mapping] = None,
                        seed: int = DEFAULT_SEED, **options: Any) -> BatchRecipe:
    """``--prompts SRC TGT...``: one edit with one result per target prompt (SRC: template or ``auto``)."""
    if len(prompts) < 2:
        raise RecipeError("give at least two prompts: first the one describing the photos, then one or more edits")
    edit = BatchEdit(tuple(prompts[1:]), method, {k: v for k, v in dict(params or {}).items() if v is not None},
                     seed)
    return BatchRecipe((edit,), source=prompts[0], **options)


def recipe_from_dict(data: Any) -> BatchRecipe:
    """The recipe a JSON object describes; every field is checked (it comes from a file)."""
    if not isinstance(data, dict):
        raise RecipeError("a recipe is a JSON object with an 'edits' list")
    unknown = sorted(set(data) - {"format", "source_prompt", "edits", "max_pixels", "max_sequence_length",
                                  "vital_layers"})
    if unknown:
        raise RecipeError(f"the recipe has an unknown field '{unknown[0]}'")
    if data.get("format", RECIPE_FORMAT) != RECIPE_FORMAT:
        raise RecipeError(f"recipe format {data.get('format')!r} is not supported (this version reads {RECIPE_FORMAT})")
    edits = data.get("edits")
    if not isinstance(edits, list):
        raise RecipeError("the recipe's 'edits' must be a list of edits")
    source = data.get("source_prompt")
    if source is not None and not isinstance(source, str):
        raise RecipeError("the recipe's 'source_prompt' must be text")
    layers = data.get("vital_layers")
    if layers is not None and not isinstance(layers, list):
        raise RecipeError("the recipe's 'vital_layers' must be a list of block indices")
    return BatchRecipe(
        tuple(_edit_from_dict(item, index) for index, item in enumerate(edits[:MAX_EDITS + 1], start=1)),
        source=source, max_pixels=data.get("max_pixels", DEFAULT_MAX_PIXELS),
        max_sequence_length=data.get("max_sequence_length", MAX_SEQUENCE_LENGTH),
        vital_layers=None if layers is None else tuple(layers),
    )


def _edit_from_dict(item: Any, index: int) -> BatchEdit:
    if not isinstance(item, dict):
        raise RecipeError(f"edit {index} must be an object with a 'prompt'")
    unknown = sorted(set(item) - {"prompt", "prompts", "method", "params", "seed"})
    if unknown:
        raise RecipeError(f"edit {index} has an unknown field '{unknown[0]}'")
    prompts = item.get("prompts", [item["prompt"]] if "prompt" in item else [])
    if not isinstance(prompts, list) or not all(isinstance(p, str) for p in prompts):
        raise RecipeError(f"edit {index}: 'prompts' must be a list of text")
    method = item.get("method", DEFAULT_METHOD)
    if not isinstance(method, str):
        raise RecipeError(f"edit {index}: 'method' must be text")
    return BatchEdit(tuple(prompts), method, item.get("params", {}), item.get("seed", DEFAULT_SEED))


def load_recipe_file(path: str | Path) -> BatchRecipe:
    """Read a recipe JSON file (size-capped, every value checked)."""
    path = Path(path)
    data = read_capped(path, MAX_RECIPE_BYTES, "recipe", RecipeError)
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise RecipeError(f"{path.name} is not valid JSON ({error})") from None
    return recipe_from_dict(parsed)


def recipe_from_chain(tree: EditTree, node_id: str, source: Optional[str] = None,
                      max_pixels: int = DEFAULT_MAX_PIXELS) -> BatchRecipe:
    """The chain of edits from the tree's root to ``node_id``, replayable on other photos.

    ``source`` describes each photo (default: the description the chain's first edit started from).
    """
    path = tree.path_to(node_id)
    if len(path) < 2:
        raise ParameterError("that is the opened image itself: choose an edit result to apply its chain")
    edits = tuple(BatchEdit((node.prompt,), node.method or DEFAULT_METHOD, dict(node.params),
                            DEFAULT_SEED if node.seed is None else node.seed) for node in path[1:])
    last = path[-1]
    if source is None:  # the description the first edit started from (typed for that edit, or the photo's)
        source = path[1].source_prompt or path[0].prompt or None
    return BatchRecipe(edits, source=source,
                       max_pixels=max_pixels, max_sequence_length=last.max_sequence_length or MAX_SEQUENCE_LENGTH,
                       vital_layers=last.vital_layers)

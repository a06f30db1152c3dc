"""Vital-layer sets: parsing, validation, the shipped defaults and per-model lookup.

Lookup order: an explicit list, then the user's registry (detection results saved with
``detect-vital-layers --register``), then the sets shipped in resources/vital_layers/.

A vital layer is a *global* block index: ``0 .. num_double-1`` are the double-stream
blocks, then ``num_double .. num_double+num_single-1`` are the single-stream blocks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from core.api.errors import ParameterError
from core.model.vital_registry import registered_set
from core.storage.resources import resource_path

if TYPE_CHECKING:
    from diffusers import FluxTransformer2DModel


@dataclass(frozen=True)
class BlockLayout:
    """How many double- and single-stream blocks a FLUX-architecture transformer has."""

    num_double: int
    num_single: int

    @property
    def num_layers(self) -> int:
        """Total number of blocks (global indices run from 0 to this minus one)."""
        return self.num_double + self.num_single

    def split(self, layers: Iterable[int]) -> tuple[list[int], list[int]]:
        """Global indices to (double block indices, single block indices)."""
        double = sorted(i for i in layers if i < self.num_double)
        single = sorted(i - self.num_double for i in layers if i >= self.num_double)
        return double, single


def block_layout(transformer: FluxTransformer2DModel) -> BlockLayout:
    """The double/single block counts of a FLUX transformer."""
    return BlockLayout(len(transformer.transformer_blocks), len(transformer.single_transformer_blocks))


def parse_vital_layers(text: str) -> list[int]:
    """Parse ``"0,1,17"`` (spaces allowed; empty string means no layers)."""
    text = text.strip()
    if not text:
        return []
    layers = []
    for part in text.split(","):
        part = part.strip()
        try:
            layers.append(int(part))
        except ValueError:
            raise ParameterError(
                f"vital layers must be comma-separated whole numbers like 0,1,17; '{part}' is not"
            ) from None
    return layers


def validate_vital_layers(layers: Sequence[int], layout: BlockLayout) -> tuple[int, ...]:
    """Refuse indices outside the model's range; return them sorted and de-duplicated."""
    bad = [i for i in layers if not 0 <= i < layout.num_layers]
    if bad:
        raise ParameterError(
            f"vital layer index {bad[0]} is out of range: this model has {layout.num_layers} blocks, "
            f"valid indices are 0 to {layout.num_layers - 1}"
        )
    return tuple(sorted(set(layers)))


def _shipped_sets() -> dict[str, dict]:
    sets = {}
    for path in sorted(Path(resource_path("vital_layers")).glob("*.json")):
        entry = json.loads(path.read_text(encoding="utf-8"))
        sets[entry["model"]] = entry
    return sets


def shipped_vital_layers(model_id: str, layout: BlockLayout) -> tuple[int, ...] | None:
    """The shipped set for this model id, or for the first shipped model with the same layout.

    FLUX.1-schnell and fine-tunes of FLUX.1-dev share FLUX.1-dev's 19+38 layout; until a
    detection run gives them their own set, FLUX.1-dev's is the best known choice.
    """
    sets = _shipped_sets()
    entry = sets.get(model_id)
    if entry is None:
        entry = next(
            (e for e in sets.values() if (e["num_double"], e["num_single"]) == (layout.num_double, layout.num_single)),
            None,
        )
    if entry is None:
        return None
    return validate_vital_layers(entry["layers"], layout)


def registered_vital_layers(model_id: str, layout: BlockLayout) -> tuple[int, ...] | None:
    """The set saved in the user's registry for this model id (a detection result), or None."""
    entry = registered_set(model_id)
    if entry is None:
        return None
    if (entry.num_double, entry.num_single) != (layout.num_double, layout.num_single):
        raise ParameterError(
            f"the registered vital layers of '{model_id}' were found for {entry.num_double} double + "
            f"{entry.num_single} single blocks but it now has {layout.num_double} + {layout.num_single}: "
            "run detect-vital-layers for it again, or pass --vital-layers"
        )
    return validate_vital_layers(entry.layers, layout)


def vital_layers_for(model_id: str, layout: BlockLayout, explicit: str | None = None) -> tuple[int, ...]:
    """The layers to inject for a model: an explicit list wins, then the user's registry, then the shipped sets."""
    if explicit is not None:
        return validate_vital_layers(parse_vital_layers(explicit), layout)
    layers = registered_vital_layers(model_id, layout)
    if layers is None:
        layers = shipped_vital_layers(model_id, layout)
    if layers is None:
        raise ParameterError(
            f"no vital-layer set is known for '{model_id}' ({layout.num_double} double + {layout.num_single} "
            "single blocks): pass --vital-layers, or run detect-vital-layers --register for it"
        )
    return layers

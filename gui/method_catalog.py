"""What the edit panel needs to know about the editing methods: their parameters and defaults.

Built on the worker thread from ``core.methods.METHODS`` (each method's ``defaults``), so
methods added to the engine show up in the editor without GUI changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# How an edit starts: a generated image, a photo (inverted or encoded), or a known result.
START_KINDS = ("generated", "photo", "result")
METHOD_LABELS = {
    "stable-flow": "Stable Flow",
    "flowedit": "FlowEdit",
    "flowalign": "FlowAlign",
    "sdedit": "SDEdit",
    "dual": "Invert and resample",
}
METHOD_HELP = {
    "stable-flow": "Injects the edit into the vital layers only: keeps the rest of the image (inverts photos once)",
    "flowedit": "Edits along the difference of the two prompts' flows, without inverting the image",
    "flowalign": "FlowEdit with trajectory alignment to stay closer to the source, without inverting",
    "sdedit": "Noises the image part of the way, then samples the new prompt (quick, changes more)",
    "dual": "Inverts the image to noise, then samples the new prompt from it (the plain baseline)",
}
# Methods that edit the source latent directly instead of inverting it.
DIRECT_METHODS = frozenset({"flowedit", "flowalign", "sdedit"})


def method_label(name: str) -> str:
    """The name a user sees for the engine's method ``name``."""
    return METHOD_LABELS.get(name, name)


@dataclass(frozen=True)
class MethodCatalog:
    """``defaults[method][start_kind]`` is the method's parameter dict for that kind of start."""

    defaults: dict[str, dict[str, dict[str, Any]]]

    def methods(self) -> list[str]:
        """Method names, in the engine's order."""
        return list(self.defaults)

    def params(self, method: str, start_kind: str) -> dict[str, Any]:
        """Default parameters of ``method`` for ``start_kind`` (empty if it cannot start that way)."""
        return dict(self.defaults.get(method, {}).get(start_kind, {}))


def build_catalog() -> MethodCatalog:
    """Ask every registered method for its defaults (imports the engine: worker thread only)."""
    import torch
    from PIL import Image

    from core.api.errors import ParameterError
    from core.api.requests import EditRequest
    from core.api.trajectory import Trajectory
    from core.methods.registry import METHODS

    probe = {
        "generated": {},
        "photo": {"image": Image.new("RGB", (16, 16))},
        "result": {"source": Trajectory(torch.zeros(2, 1, 64), torch.tensor([1.0, 0.0]), 16, 16, "a", 1.0)},
    }
    defaults: dict[str, dict[str, dict[str, Any]]] = {}
    for name, method in METHODS.items():
        defaults[name] = {}
        for kind, start in probe.items():
            request = EditRequest(method=name, source_prompt="a", target_prompts=("b",), **start)
            try:
                defaults[name][kind] = dict(method.defaults(request))
            except ParameterError:  # a method that cannot start this way offers nothing for it
                continue
    return MethodCatalog(defaults)

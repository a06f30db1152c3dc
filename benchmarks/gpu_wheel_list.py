"""Print ``name==version`` for what the bench needs beside torch, as installed here (for gpu_check.sh --prepare).

The list is the installed dependency closure of the engine's libraries minus torch and
everything torch itself pulls in (the GPU machine's image has torch), and numpy, which
every PyTorch image has (its wheel alone would take a quarter of the 64 MB that travels).
"""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, distribution

from packaging.requirements import Requirement

ROOTS = ("diffusers", "transformers", "accelerate", "huggingface_hub", "safetensors", "platformdirs", "pillow")


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def closure(roots) -> dict[str, str]:
    """Installed distributions reachable from ``roots`` through non-extra requirements: name -> version."""
    found: dict[str, str] = {}
    pending = [_name(root) for root in roots]
    while pending:
        name = pending.pop()
        if name in found:
            continue
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        found[name] = dist.version
        for line in dist.requires or ():
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(_name(requirement.name))
    return found


if __name__ == "__main__":
    with_torch = closure(["torch"])
    for name, version in sorted(closure(ROOTS).items()):
        if name not in with_torch and name != "numpy":
            print(f"{name}=={version}")

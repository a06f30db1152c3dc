"""The model names the app knows, importable without torch (the command line's help shows them)."""

from __future__ import annotations

DEFAULT_MODEL_ID = "black-forest-labs/FLUX.1-dev"
KNOWN_MODELS = {
    "flux.1-dev": "black-forest-labs/FLUX.1-dev",
    "flux.1-schnell": "black-forest-labs/FLUX.1-schnell",
}

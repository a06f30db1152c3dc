"""The About box's text: version, what the app is, and the licences that matter to a user."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import PySide6

PROJECT_FILE = Path(__file__).resolve().parents[1] / "pyproject.toml"
DISTRIBUTION = "stable-flow-studio"


def app_version() -> str:
    """The installed version, else the one in pyproject.toml next to the sources, else 'unknown'."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pass
    try:
        found = re.search(r'^version\s*=\s*"([^"]+)"', PROJECT_FILE.read_text(encoding="utf-8"), re.MULTILINE)
    except OSError:
        found = None
    return found.group(1) if found else "unknown"


def about_html(title: str) -> str:
    """Rich text for QMessageBox.about."""
    return (f"<b>{title}</b> {app_version()}<p>Edit photos with text, locally, with FLUX and Stable Flow.</p>"
            "<p><b>Licences.</b> FLUX.1-dev's weights are under the FLUX.1 [dev] Non-Commercial License: "
            "images may be used commercially, the model may not (see its Hugging Face page). "
            "FLUX.1-schnell is Apache 2.0. This editor uses PyTorch (BSD), diffusers and transformers "
            f"(Apache 2.0) and Qt for Python {PySide6.__version__} (LGPLv3).</p>")

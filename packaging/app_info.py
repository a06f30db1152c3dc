"""Names and versions shared by every packaging script."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "Stable Flow Studio"
APP_ID = "stable-flow-studio"
PUBLISHER = "Stable Flow Studio developers"
DESCRIPTION = "Edit photos with text, locally, with FLUX and Stable Flow"
DIST_DIR = ROOT / "dist"
FROZEN_DIR = DIST_DIR / APP_ID
EXECUTABLE = FROZEN_DIR / APP_ID


def version() -> str:
    """The version in pyproject.toml."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^version\s*=\s*"([^"]+)"', text, re.MULTILINE).group(1)

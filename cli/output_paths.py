"""``--output`` paths: refused early when unusable, created only when something is written.

A command that fails (a bad prompt, a model that does not load) must not leave an empty
output folder behind, so commands check the folder before the model loads and let the
writes create it.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from core.api.errors import ParameterError


def output_path(text: str) -> Path:
    """argparse ``type`` for --output: refuses an empty value (it would mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("it is empty: name a folder (use . for the current folder)")
    return Path(text)


def check_output_folder(folder: Path) -> None:
    """Refuse (ParameterError) a folder that cannot be written or created; creates nothing."""
    if folder.exists():
        if not folder.is_dir():
            raise ParameterError(f"--output {folder} is a file, not a folder: choose a folder")
        existing = folder
    else:
        existing = folder.absolute().parent
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            raise ParameterError(f"cannot create --output {folder}: {existing} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ParameterError(f"cannot write to --output {folder}: {existing} is not writable")

"""Where the app keeps its files (platformdirs), overridable for tests and portable installs."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "StableFlowStudio"
HOME_ENV = "STABLE_FLOW_STUDIO_HOME"


def _root(kind: str) -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override) / kind
    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return Path({"cache": dirs.user_cache_dir, "data": dirs.user_data_dir, "config": dirs.user_config_dir,
                 "log": dirs.user_log_dir}[kind])


def cache_dir() -> Path:
    """Latent and prompt caches."""
    return _root("cache")


def data_dir() -> Path:
    """Sessions, autosaves, the user's vital-layer registry, prompt history."""
    return _root("data")


def config_dir() -> Path:
    """Settings."""
    return _root("config")


def log_dir() -> Path:
    """Log files with full tracebacks of internal errors."""
    return _root("log")


def contained_path(folder: str | Path, relative: str) -> Path:
    """``folder / relative``, refused (ValueError) unless it stays inside ``folder``.

    Every path the app writes under one of its folders is built through this, so a name that
    came from a file (``../x``, an absolute path, a drive letter) can never point elsewhere.
    """
    folder = Path(folder)
    parts = Path(relative).parts
    if not parts or Path(relative).is_absolute() or Path(relative).drive or any(part in ("..", ".") for part in parts):
        raise ValueError(f"{relative!r} is not a name inside {folder}")
    path = folder / relative
    if not os.path.abspath(path).startswith(os.path.abspath(folder) + os.sep):
        raise ValueError(f"{relative!r} is not a name inside {folder}")
    return path

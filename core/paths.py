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

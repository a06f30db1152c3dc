"""Shared fixtures: an isolated app home for every test and the tiny-random model."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"  # tests never touch the network


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch) -> Path:
    """Every test gets its own settings/cache/data folders."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("STABLE_FLOW_STUDIO_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def tiny_model():
    """The tiny-random model on the CPU in float32 (shared: tests must not modify it)."""
    from core.model.loading import ModelSpec, load_model

    return load_model(ModelSpec(model="tiny-random", device="cpu"))

"""Shared pieces of the session tests: a cached engine on the tiny model and a photo file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from core.engine import build_engine
from core.session.tree import EditTree
from tests.helpers import gradient_photo

STEPS = 4
SEQ = 16


@pytest.fixture
def engine(tiny_model):
    """An engine with the disk caches of this test's home; the shared model is restored after."""
    previous = tiny_model.prompt_encoder.disk_cache
    yield build_engine(tiny_model)
    tiny_model.prompt_encoder.disk_cache = previous


@pytest.fixture
def photo_file(tmp_path) -> Path:
    """A 64x48 PNG photo."""
    path = tmp_path / "photo.png"
    gradient_photo(64, 48, seed=3).save(path)
    return path


def same_pixels(a, b) -> bool:
    """Whether two PIL images have the same size, mode and pixel bytes."""
    return a.size == b.size and a.mode == b.mode and a.tobytes() == b.tobytes()


def assert_trees_equal(a: EditTree, b: EditTree) -> None:
    """Same live nodes (every field), root, current node, pixels and trajectories."""
    assert a.nodes() == b.nodes()
    assert (a.root_id, a.current_id) == (b.root_id, b.current_id)
    for node in a.nodes():
        assert same_pixels(a.image(node.id), b.image(node.id))
        ta, tb = a.trajectory(node.id), b.trajectory(node.id)
        assert (ta is None) == (tb is None)
        if ta is not None:
            assert torch.equal(ta.latents, tb.latents) and torch.equal(ta.sigmas, tb.sigmas)
            assert (ta.height, ta.width, ta.prompt, ta.guidance) == (tb.height, tb.width, tb.prompt, tb.guidance)


def pixels(image) -> np.ndarray:
    """An image's pixels as an array."""
    return np.asarray(image)


def rewrite_manifest(source: Path, target: Path, change) -> None:
    """Copy the project ``source`` to ``target`` with ``change(manifest)`` applied to its manifest."""
    import json
    import zipfile

    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for name in original.namelist():
            data = original.read(name)
            if name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
            copy.writestr(name, data)

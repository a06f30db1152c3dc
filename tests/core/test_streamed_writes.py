"""Saving, autosaving and exporting stream each image into its file: a huge photo's PNG is never
gathered whole in memory, where regrowing and copying a 200 MB buffer holds Python's lock and
stalls the window (60-90 ms for a 12000x9000 photo)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from core.session.autosave import Autosave, restore_autosave
from core.session.export import export_node, read_export_recipe
from core.session.node import EditNode
from core.session.project_file import load_project, save_project
from core.session.tree import EditTree
from tests.core.session_helpers import assert_trees_equal
from tests.helpers import gradient_photo


@pytest.fixture
def photo_session(monkeypatch) -> EditTree:
    """A photo larger than its working size (so the session keeps its original) and one edit;
    an image saved into memory from now on fails the test."""
    tree = EditTree()
    original = gradient_photo(96, 64, seed=3)
    tree.reset(EditNode("a" * 32, None, "photo", "a photo", original_size=original.size),
               original.resize((48, 32)), original=original)
    tree.insert(EditNode("b" * 32, "a" * 32, "edit", "an edit", source_prompt="a photo", method="stable-flow",
                         params={"steps": 4}, seed=1), gradient_photo(48, 32, seed=4))
    real_save = Image.Image.save

    def save(image, fp, *args, **kwargs):
        if isinstance(fp, io.BytesIO):
            raise AssertionError(f"a {image.size} image was encoded into memory instead of streamed to its file")
        return real_save(image, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", save)
    return tree


def test_a_project_streams_its_images_and_loads_back_the_same(photo_session, tmp_path):
    path = save_project(photo_session, tmp_path / "p.sfproj")
    loaded = load_project(path)
    assert_trees_equal(photo_session, loaded)
    assert loaded.original().tobytes() == photo_session.original().tobytes()


def test_the_autosave_streams_its_images(photo_session):
    autosave = Autosave()
    autosave.attach(photo_session)
    restored = restore_autosave(autosave.folder)
    assert_trees_equal(photo_session, restored)
    assert restored.original().size == (96, 64)


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp"])
def test_an_export_at_the_original_size_streams_and_keeps_its_recipe(photo_session, tmp_path, suffix):
    path = export_node(photo_session, "b" * 32, tmp_path / f"out{suffix}", original_size=True)
    with Image.open(path) as image:
        assert image.size == (96, 64)
    assert read_export_recipe(path)["prompt"] == "an edit"

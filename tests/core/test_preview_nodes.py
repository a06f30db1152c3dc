"""A fast preview keeps its label and its full-quality settings in project files and exports."""

from __future__ import annotations

import pytest

from core.methods.preview_mode import preview_request
from core.session.export import export_node
from core.session.project_file import ProjectFileError, load_project
from core.session.session_editing import EditSession
from core.storage.png_files import read_recipe
from tests.core.session_helpers import engine, photo_file, rewrite_manifest  # noqa: F401 (fixtures)

FULL = {"params": {"steps": 16}, "max_sequence_length": 256}


@pytest.fixture
def previewed(engine, photo_file):
    """A photo with one fast-preview result and one full-quality result."""
    session = EditSession()
    root = session.open_photo(photo_file, "a photo")
    request = preview_request(session.build_request(root.id, ["a photo of a cat"], params=FULL["params"],
                                                    max_sequence_length=FULL["max_sequence_length"]))
    operation = session.add_result(root.id, request, engine.run(request), "tiny-random", preview=FULL)
    session.history.push(operation)
    (full,) = session.edit(engine, root.id, ["a photo of a dog"], params={"steps": 4}, max_sequence_length=16)
    return session, operation.nodes[0], full


def test_a_preview_keeps_its_label_and_full_settings_in_a_project_and_an_export(previewed, tmp_path):
    session, preview, full = previewed
    assert (preview.params["steps"], preview.max_sequence_length) == (4, 128)
    loaded = EditSession()
    loaded.load(session.save(tmp_path / "p.sfproj"))
    assert loaded.tree.node(preview.id).preview == FULL and loaded.tree.node(full.id).preview is None
    export_node(loaded.tree, preview.id, tmp_path / "preview.png")
    export_node(loaded.tree, full.id, tmp_path / "full.png")
    assert read_recipe(tmp_path / "preview.png")["preview"] is True
    assert "preview" not in read_recipe(tmp_path / "full.png")


@pytest.mark.parametrize("change, message", [
    (lambda nodes: nodes[1].update(preview={"params": {}, "max_sequence_length": 9999}),
     "the 'preview' of result 2 in its manifest is not the full-quality settings"),
    (lambda nodes: nodes[1].update(preview={"params": [], "max_sequence_length": 512, "x": 1}),
     "the 'preview' of result 2 in its manifest is not the full-quality settings"),
    (lambda nodes: nodes[0].update(preview=FULL), "result 1 in its manifest is inconsistent: only an edit"),
], ids=["text length out of range", "wrong fields", "a photo marked as a preview"])
def test_a_crafted_preview_field_is_refused_in_one_line(previewed, tmp_path, change, message):
    session, _preview, _full = previewed
    crafted = tmp_path / "crafted.sfproj"
    rewrite_manifest(session.save(tmp_path / "p.sfproj"), crafted, lambda manifest: change(manifest["nodes"]))
    with pytest.raises(ProjectFileError, match=message) as error:
        load_project(crafted)
    assert "\n" not in str(error.value)

"""Project files, autosave and export: a saved session comes back identical, nothing finished is lost."""

import json
import os
import zipfile

import psutil
import pytest
from PIL import Image

from core.session.autosave import Autosave, find_autosave, restore_autosave
from core.session.export import export_node, read_export_recipe
from core.session.operations import DeleteBranch, SetCurrent
from core.session.project_file import ProjectFileError, load_project
from core.session.session_editing import EditSession
from core.storage.png_files import read_recipe
from tests.core.session_helpers import (  # noqa: F401 (fixtures)
    SEQ, STEPS, assert_trees_equal, engine, photo_file, rewrite_manifest, same_pixels,
)

OPTIONS = dict(params={"steps": STEPS}, max_sequence_length=SEQ)


@pytest.fixture
def branched(engine, photo_file):
    """A session with a chain, a branch of two results, a deleted branch and a moved current node."""
    session = EditSession(autosave=Autosave())
    root = session.open_photo(photo_file, "a photo")
    cat, fox = session.edit(engine, root.id, ["a photo of a cat", "a photo of a fox"], **OPTIONS)
    (snow,) = session.edit(engine, cat.id, ["a photo of a cat in snow"])
    (bird,) = session.edit(engine, root.id, ["a photo of a bird"], **OPTIONS)
    session.history.push(DeleteBranch(bird.id))
    session.history.push(SetCurrent(fox.id))
    return session


def test_saved_and_loaded_session_is_identical(branched, tmp_path, engine, tiny_model):
    path = branched.save(tmp_path / "s.sfproj")
    loaded = EditSession()
    loaded.load(path)
    assert_trees_equal(branched.tree, loaded.tree)
    assert len(loaded.tree.nodes()) == 4 and loaded.tree.node(loaded.tree.current_id).prompt == "a photo of a fox"
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert "manifest.json" in names and sum(n.startswith("trajectories/") for n in names) == 3
    calls = tiny_model.transformer_calls
    loaded.edit(engine, loaded.tree.current_id, ["a photo of a fox in snow"])  # trajectory survived the file
    assert tiny_model.transformer_calls - calls == STEPS


def test_damaged_or_foreign_project_files_give_one_clear_line(branched, tmp_path):
    path = branched.save(tmp_path / "s.sfproj")
    truncated = tmp_path / "t.sfproj"
    truncated.write_bytes(path.read_bytes()[:-3000])
    not_zip = tmp_path / "n.sfproj"
    not_zip.write_bytes(b"hello")
    foreign = tmp_path / "f.sfproj"
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"format": "other"}))
    for bad, message in [(truncated, "t.sfproj"), (not_zip, "not a Stable Flow Studio project"),
                         (foreign, "not a Stable Flow Studio session"), (tmp_path / "none.sfproj", "not found")]:
        with pytest.raises(ProjectFileError, match=message) as error:
            load_project(bad)
        assert "\n" not in str(error.value)


def test_a_project_that_fails_to_load_leaves_the_open_session_untouched(branched, tmp_path):
    path = branched.save(tmp_path / "s.sfproj")
    broken = tmp_path / "broken.sfproj"
    rewrite_manifest(path, broken, lambda manifest: manifest["nodes"].reverse())  # children before parents
    before = [n.id for n in branched.tree.nodes()]
    with pytest.raises(ProjectFileError, match="broken.sfproj: it is damaged"):
        branched.load(broken)
    assert [n.id for n in branched.tree.nodes()] == before
    assert_trees_equal(branched.tree, restore_autosave(branched.autosave.folder))


def test_autosave_holds_every_finished_result_and_a_clean_close_removes_it(branched):
    folder = branched.autosave.folder
    restored = restore_autosave(folder)
    assert_trees_equal(branched.tree, restored)
    assert len(list((folder / "images").iterdir())) == 4  # the deleted branch's files were dropped
    assert find_autosave() is None  # this process's own autosave is not a crashed session
    branched.close()
    assert not folder.exists()


def test_restoring_an_autosave_moves_it_into_the_new_session(branched, tmp_path):
    # Simulate a crashed run: its autosave folder stays behind, owned by another process.
    crashed = branched.autosave.folder
    parent = psutil.Process(os.getppid())
    (crashed / "owner.json").write_text(json.dumps({"pid": parent.pid, "started": parent.create_time()}))
    assert find_autosave() is None  # another running process owns it (e.g. a second open editor)
    (crashed / "owner.json").write_text(json.dumps({"pid": parent.pid, "started": parent.create_time() - 50}))
    assert find_autosave() == crashed  # that process id now belongs to another process: the owner died
    session = EditSession(autosave=Autosave())
    session.restore_autosave(crashed)
    assert_trees_equal(branched.tree, session.tree)
    assert not crashed.exists() and find_autosave() is None
    assert_trees_equal(branched.tree, restore_autosave(session.autosave.folder))


def test_export_as_png_jpeg_and_webp_with_the_recipe(branched, tmp_path):
    tree = branched.tree
    snow = next(n for n in tree.nodes() if n.prompt == "a photo of a cat in snow")
    png = export_node(tree, snow.id, tmp_path / "snow.png")
    recipe = read_recipe(png)
    assert recipe["prompts"] == ["a photo of a cat", "a photo of a cat in snow"]
    assert recipe["method"] == "stable-flow" and recipe["seed"] == 42 and recipe["model"] == "tiny-random"
    assert recipe["params"]["steps"] == STEPS
    assert [step["prompt"] for step in recipe["chain"]] == ["a photo of a cat", "a photo of a cat in snow"]
    assert "token" not in json.dumps(recipe).lower()
    with Image.open(png) as image:
        assert same_pixels(image.convert("RGB"), tree.image(snow.id))
    for suffix in (".jpg", ".webp"):
        path = export_node(tree, snow.id, tmp_path / f"snow{suffix}", original_size=True)
        assert read_export_recipe(path) == recipe
        with Image.open(path) as image:
            assert image.size == (64, 48)


def test_export_at_the_original_photo_size(engine, tmp_path):
    from tests.helpers import gradient_photo

    big = tmp_path / "big.png"
    gradient_photo(100, 70).save(big)
    session = EditSession()
    root = session.open_photo(big, "a photo")
    assert session.tree.image(root.id).size == (96, 64)
    (cat,) = session.edit(engine, root.id, ["a photo of a cat"], **OPTIONS)
    with Image.open(export_node(session.tree, cat.id, tmp_path / "a.png", original_size=True)) as image:
        assert image.size == (100, 70)
    with Image.open(export_node(session.tree, cat.id, tmp_path / "b.png")) as image:
        assert image.size == (96, 64)
    with pytest.raises(Exception, match="use .png, .jpg or .webp"):
        export_node(session.tree, cat.id, tmp_path / "c.gif")


def test_a_full_disk_during_autosave_keeps_the_edit_and_says_so_once(engine, photo_file, monkeypatch):
    import errno

    import core.session.autosave as autosave_module

    messages = []
    session = EditSession(autosave=Autosave(on_error=messages.append))
    root = session.open_photo(photo_file, "a photo")
    real_write = autosave_module.atomic_write_bytes

    def disk_full(path, data, **options):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(autosave_module, "atomic_write_bytes", disk_full)
    (cat,) = session.edit(engine, root.id, ["a photo of a cat"], **OPTIONS)
    (dog,) = session.edit(engine, root.id, ["a photo of a dog"], **OPTIONS)
    assert session.tree.current_id == dog.id and session.tree.contains(cat.id)
    assert len(messages) == 1 and "disk is full" in messages[0]

    monkeypatch.setattr(autosave_module, "atomic_write_bytes", real_write)
    session.history.undo()  # the next change writes everything, the missed results included
    assert not session.autosave.failing
    assert {n.id for n in restore_autosave(session.autosave.folder).nodes()} == {root.id, cat.id, dog.id}

"""Every case of the crafted-input corpus (tests/hostile_corpus.py) through the real open/edit path.

For each: no traceback, one clear line (a UserError, or an exit code 2 with one stderr
line), no file written or changed outside the intended folders (a sandbox holding files a
traversal would overwrite is listed before and after, and so is the app's home), and the
session that was open before is still whole.
"""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path

import pytest
import torch

from cli.app import run_cli
from core.api.errors import UserError
from core.api.errors import NonFiniteError
from core.session.autosave import Autosave, autosave_root, find_autosave
from core.session.session_editing import EditSession
from core.storage.inversion_cache import DiskLatentCache
from core.storage.paths import cache_dir
from core.storage.trajectory_files import trajectory_from_bytes, trajectory_to_bytes
from tests.core.session_helpers import SEQ, STEPS, engine, photo_file  # noqa: F401 (fixtures)
from tests.hostile_corpus import (
    PROJECT_CASES, RECIPE_CASES, SECRET, base_entries, base_tree, cache_trajectory_cases, cli_cases, cli_fixtures,
    project_file_bytes, recipe_bomb_png, recipe_png_bytes, write_autosave_folder,
)

Listing = dict[str, tuple[int, int]]


def listing(root: Path) -> Listing:
    """Every file under ``root`` with its size and modification time (links not followed)."""
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            stat = path.lstat()
            files[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return files


@pytest.fixture
def sandbox(tmp_path) -> Path:
    """A folder with files a path traversal would overwrite (``outside/``) and one for inputs (``in/``)."""
    root = tmp_path / "sandbox"
    (root / "outside").mkdir(parents=True)
    (root / "in").mkdir()
    for index in range(12):
        (root / "outside" / f"victim{index}.safetensors").write_bytes(b"precious")
        (root / "outside" / f"victim{index}.png").write_bytes(b"precious")
    return root


@pytest.fixture
def open_session():
    """An autosaved session with finished results, like the editor's before File > Open."""
    session = EditSession(tree=base_tree(), autosave=Autosave())
    session.autosave.save(session.tree)
    yield session
    session.close()


def _assert_one_line(message: str) -> None:
    assert message and "\n" not in message and "Traceback" not in message and len(message) < 400, message


def _assert_session_whole(session: EditSession) -> None:
    expected = base_tree()
    assert session.tree.nodes() == expected.nodes()
    for node in expected.nodes():
        assert session.tree.image(node.id).tobytes() == expected.image(node.id).tobytes()
        if node.trajectory_id:
            assert torch.equal(session.tree.trajectory(node.id).latents, expected.trajectory(node.id).latents)


def _only_own_autosave_changed(before: Listing, after: Listing, session: EditSession, home: Path) -> None:
    own = str(session.autosave.folder.relative_to(home))
    changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
    assert all(name.startswith(own) or name.startswith(str(Path("cache") / "session-scratch"))
               for name in changed), changed


@pytest.mark.parametrize("case", PROJECT_CASES, ids=[case.name for case in PROJECT_CASES])
def test_crafted_project_file(case, sandbox, open_session, isolated_home, tmp_path, request):
    path = sandbox / "in" / "crafted.sfproj"
    path.write_bytes(project_file_bytes(case, sandbox))
    before, home_before = listing(sandbox), listing(isolated_home)
    if case.loads:  # odd but valid: it opens, a loaded result edits, and it saves again
        open_session.load(path)
        assert len(open_session.tree.nodes()) == 3
        engine = request.getfixturevalue("engine")
        # (The corpus' trajectories follow a plain linear schedule, not the model's, so the
        # result is edited from its image, as any result with another source prompt is.)
        (result,) = open_session.edit(engine, "b" * 32, ["edit 1 in snow"], source_prompt="a street",
                                      params={"steps": STEPS}, max_sequence_length=SEQ)
        assert torch.isfinite(open_session.tree.trajectory(result.id).latents).all()
        open_session.save(tmp_path / "again.sfproj")  # outside the sandbox
        home_before = listing(isolated_home)  # the edit filled the prompt cache: intended
    else:
        with pytest.raises(UserError) as error:
            open_session.load(path)
        _assert_one_line(str(error.value))
        assert "crafted.sfproj" in str(error.value)
        _assert_session_whole(open_session)
    assert listing(sandbox) == before
    _only_own_autosave_changed(home_before, listing(isolated_home), open_session, isolated_home)


@pytest.mark.parametrize("case", [case for case in PROJECT_CASES if not case.zip_only],
                         ids=[case.name for case in PROJECT_CASES if not case.zip_only])
def test_crafted_autosave_folder(case, sandbox, open_session, isolated_home):
    built = case.build(sandbox)
    folder = autosave_root() / uuid.uuid4().hex
    write_autosave_folder(built, folder)
    before, home_before = listing(sandbox), listing(isolated_home)
    assert find_autosave() in (folder, None)  # looking never fails (a folder without manifest is kept: young)
    if case.loads:
        open_session.restore_autosave(folder)
        assert len(open_session.tree.nodes()) == 3
    else:
        with pytest.raises(UserError) as error:
            open_session.restore_autosave(folder)
        _assert_one_line(str(error.value))
        _assert_session_whole(open_session)
    assert listing(sandbox) == before
    after = listing(isolated_home)
    if case.loads:  # the restored folder is removed once restored
        home_before = {name: value for name, value in home_before.items()
                       if not name.startswith(str(folder.relative_to(isolated_home)))}
    _only_own_autosave_changed(home_before, after, open_session, isolated_home)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX special files")
@pytest.mark.parametrize("kind", ["fifo", "device link", "sparse 3 GB file", "folder"])
def test_autosave_entry_that_is_not_a_small_regular_file(kind, open_session, tmp_path):
    folder = autosave_root() / uuid.uuid4().hex
    write_autosave_folder(base_entries(), folder)
    target = folder / "trajectories" / f"{'b' * 32}.safetensors"
    target.unlink()
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "device link":
        target.symlink_to("/dev/zero")
    elif kind == "folder":
        target.mkdir()
    else:
        with open(target, "wb") as stream:
            stream.truncate(3 * 2**30)
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("error", _restore_error(open_session, folder)),
                              daemon=True)
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "restoring hung on a special file"
    _assert_one_line(outcome["error"])
    _assert_session_whole(open_session)


def _restore_error(session: EditSession, folder: Path) -> str:
    try:
        session.restore_autosave(folder)
    except UserError as error:
        return str(error)
    return "(no error)"


@pytest.mark.parametrize("name,text,prompt", RECIPE_CASES, ids=[case[0] for case in RECIPE_CASES])
def test_crafted_recipe_in_a_photo(name, text, prompt, sandbox):
    path = sandbox / "in" / "photo.png"
    path.write_bytes(recipe_png_bytes(text))
    before = listing(sandbox)
    root = EditSession().open_photo(path)
    assert root.prompt == prompt and isinstance(root.prompt, str)
    assert listing(sandbox) == before


def test_photo_whose_recipe_inflates_to_64_mb_is_refused_in_one_line(sandbox):
    path = sandbox / "in" / "photo.png"
    path.write_bytes(recipe_bomb_png())
    with pytest.raises(UserError) as error:  # Pillow refuses to inflate the text chunk, so the whole file
        EditSession().open_photo(path)
    _assert_one_line(str(error.value))
    assert "photo.png" in str(error.value)


@pytest.mark.parametrize("name,data", cache_trajectory_cases(), ids=[case[0] for case in cache_trajectory_cases()])
def test_crafted_latent_cache_entry_is_a_miss_and_deleted(name, data):
    cache = DiskLatentCache()
    key = "cd" * 32
    assert cache.files.write(key, data, {"shape": [5, 12, 64]})
    assert cache.get(key) is None
    assert not any(path.name.startswith(key) for path in cache.files.folder.iterdir())


def test_a_nan_inversion_is_refused_and_never_cached():
    cache = DiskLatentCache()
    trajectory = base_tree().trajectory("b" * 32)
    poisoned = trajectory_from_bytes(trajectory_to_bytes(trajectory))
    poisoned.latents[1, 0, 0] = float("nan")
    with pytest.raises(NonFiniteError) as error:
        cache.put("ef" * 32, poisoned)
    _assert_one_line(str(error.value))
    assert not cache.files.folder.exists() or not any(cache.files.folder.iterdir())


def test_a_poisoned_cached_inversion_is_recomputed_by_the_next_edit(engine, photo_file, tiny_model):
    session = EditSession()
    root = session.open_photo(photo_file, "a photo")
    options = dict(params={"steps": STEPS}, max_sequence_length=SEQ)
    session.edit(engine, root.id, ["a photo of a cat"], **options)
    (info,) = (cache_dir() / "latents").glob("*.json")
    key = info.name[:-len(".json")]
    cache = DiskLatentCache()
    good = cache.get(key)
    nan_latents = good.latents.clone()
    nan_latents[-1] = float("nan")
    cache.files.write(key, trajectory_to_bytes(type(good)(nan_latents, good.sigmas, good.height, good.width,
                                                          good.prompt, good.guidance)), {"shape": list(nan_latents.shape)})
    calls = tiny_model.transformer_calls
    (dog,) = session.edit(engine, root.id, ["a photo of a dog"], **options)
    assert tiny_model.transformer_calls - calls == 2 * STEPS  # inverted again, not replayed from NaN
    assert torch.isfinite(session.tree.trajectory(dog.id).latents).all()
    assert torch.isfinite(cache.get(key).latents).all()


@pytest.mark.parametrize("name,argv,expected", cli_cases(Path("/sandbox")),
                         ids=[case[0] for case in cli_cases(Path("/sandbox"))])
def test_crafted_command_line(name, argv, expected, sandbox, capsys):
    if ("FIFO" in name or "device" in name) and not hasattr(os, "mkfifo"):
        pytest.skip("POSIX special files")
    cli_fixtures(sandbox)
    argv = [arg.replace("/sandbox", str(sandbox)) for arg in argv]
    before = listing(sandbox)
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.setdefault("code", run_cli(argv)), daemon=True)
    worker.start()
    worker.join(300)
    assert not worker.is_alive(), "the command hung"
    captured = capsys.readouterr()
    assert outcome["code"] == 2, captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err, captured.err
    assert expected in captured.err, captured.err
    assert SECRET not in captured.err + captured.out
    assert not (sandbox / "out").exists()
    assert listing(sandbox) == before

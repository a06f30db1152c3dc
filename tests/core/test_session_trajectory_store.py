"""Long sessions keep only a few trajectories in memory; spilled ones come back unchanged."""

import os
import subprocess
import sys

import torch

from core.api.trajectory import Trajectory
from core.session.autosave import Autosave, restore_autosave
from core.session.operations import SetCurrent
from core.session.session_editing import EditSession
from core.session.trajectory_store import TrajectoryStore, scratch_root, sweep_abandoned_scratch
from core.session.tree import EditTree
import core.session.trajectory_store as store_module
from tests.core.session_helpers import (  # noqa: F401 (fixtures)
    SEQ, STEPS, assert_trees_equal, engine, photo_file,
)

OPTIONS = dict(params={"steps": STEPS}, max_sequence_length=SEQ)


def _trajectory(seed: int) -> Trajectory:
    generator = torch.Generator().manual_seed(seed)
    return Trajectory(torch.randn(5, 12, 64, generator=generator), torch.linspace(1, 0, 5), 48, 64, f"p{seed}", 3.5)


def test_store_holds_at_most_its_limit_and_gives_back_what_it_spilled():
    store = TrajectoryStore(in_memory=2)
    originals = {f"n{i}": _trajectory(i) for i in range(5)}
    for node_id, trajectory in originals.items():
        store[node_id] = trajectory
    assert len(store._memory) == 2 and len(store._spilled) == 3
    for node_id, trajectory in originals.items():
        again = store.get(node_id)
        assert torch.equal(again.latents, trajectory.latents) and again.prompt == trajectory.prompt
        assert len(store._memory) <= 2
    assert store.get("absent") is None and "n0" in store and "absent" not in store
    folder = store._folder
    assert folder.is_dir()
    store.clear()
    assert not folder.exists() and "n0" not in store


def test_a_spilled_trajectorys_prompt_and_steps_are_known_without_reading_it_back(monkeypatch):
    """The editor asks on the UI thread how the next edit starts; that never reads a spilled file."""
    store = TrajectoryStore(in_memory=1)
    store["a"], store["b"] = _trajectory(1), _trajectory(2)
    assert "a" in store._spilled

    def no_read(node_id):
        raise AssertionError("a spilled trajectory was read back")

    monkeypatch.setattr(store, "encoded", no_read)
    assert store.summary("a") == ("p1", 4) and store.summary("b") == ("p2", 4)
    assert store.summary("absent") is None
    store.add_encoded("c", store_module.trajectory_to_bytes(_trajectory(3)), _trajectory(3))
    assert store.summary("c") == ("p3", 4)
    store.clear()
    assert store.summary("a") is None


def test_a_damaged_spilled_file_makes_the_node_an_ordinary_image():
    store = TrajectoryStore(in_memory=1)
    store["a"], store["b"] = _trajectory(1), _trajectory(2)
    offset, length = store._spilled["a"]
    store._pack.seek(offset)
    store._pack.write(b"\xff" * length)
    assert store.get("a") is None and "a" not in store


def test_a_long_session_with_one_trajectory_in_memory_edits_saves_and_loads_the_same(
        tiny_model, engine, photo_file, tmp_path):
    session = EditSession(tree=EditTree(trajectories_in_memory=1), autosave=Autosave())
    root = session.open_photo(photo_file, "a photo")
    (cat,) = session.edit(engine, root.id, ["a photo of a cat"], **OPTIONS)
    (dog,) = session.edit(engine, root.id, ["a photo of a dog"], **OPTIONS)
    (snow,) = session.edit(engine, cat.id, ["a photo of a cat in snow"])  # cat's trajectory was spilled
    assert session.tree.node(snow.id).source_prompt == "a photo of a cat"
    before = tiny_model.transformer_calls
    session.edit(engine, dog.id, ["a photo of a dog at night"])
    assert tiny_model.transformer_calls - before == STEPS  # dog's spilled trajectory: no inversion

    session.save(tmp_path / "long.sfproj")
    loaded = EditSession()
    loaded.load(tmp_path / "long.sfproj")
    assert_trees_equal(session.tree, loaded.tree)
    assert_trees_equal(session.tree, restore_autosave(session.autosave.folder))


def test_autosave_does_not_read_spilled_trajectories_back(engine, photo_file, monkeypatch):
    session = EditSession(tree=EditTree(trajectories_in_memory=1), autosave=Autosave())
    root = session.open_photo(photo_file, "a photo")
    session.edit(engine, root.id, ["a photo of a cat", "a photo of a fox"], **OPTIONS)
    reads = []
    real_read = store_module.trajectory_from_bytes
    monkeypatch.setattr(store_module, "trajectory_from_bytes", lambda data: reads.append(1) or real_read(data))
    session.history.push(SetCurrent(root.id))
    session.history.undo()
    assert reads == []


def test_scratch_of_a_finished_process_is_swept_and_ours_is_kept():
    ours = TrajectoryStore(in_memory=1)
    ours["a"], ours["b"] = _trajectory(1), _trajectory(2)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    abandoned = scratch_root() / f"{dead.stdout.strip()}-{int(os.path.getmtime(sys.executable))}-deadbeef"
    abandoned.mkdir(parents=True)
    sweep_abandoned_scratch()
    assert not abandoned.exists() and ours._folder.is_dir()

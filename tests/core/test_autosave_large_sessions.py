"""Autosaving a big session costs what changed, not the session's size, and closing one never waits
for its thousands of files (a 5,000-result project froze the editor for seconds per click)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from PIL import Image

from core.session.autosave import Autosave, find_autosave, restore_autosave
from core.session.node import EditNode
from core.session.session_format import MANIFEST
from tests.core.session_helpers import assert_trees_equal
from tests.large_projects import large_tree, tiny_trajectory


class DiskCalls:
    """Counts the folder listings, file checks and fsyncs an autosave makes."""

    def __init__(self, monkeypatch) -> None:
        self.listings = self.checks = self.syncs = 0
        real_glob, real_is_file, real_fsync = Path.glob, Path.is_file, os.fsync

        def glob(path, pattern):
            self.listings += 1
            return real_glob(path, pattern)

        def is_file(path):
            self.checks += 1
            return real_is_file(path)

        def fsync(descriptor):
            self.syncs += 1
            return real_fsync(descriptor)

        monkeypatch.setattr(Path, "glob", glob)
        monkeypatch.setattr(Path, "is_file", is_file)
        monkeypatch.setattr(os, "fsync", fsync)

    def reset(self) -> None:
        self.listings = self.checks = self.syncs = 0


def test_after_the_first_save_a_change_touches_only_what_changed(monkeypatch):
    tree = large_tree(400, "star")
    autosave = Autosave()
    autosave.attach(tree)  # the first save lists the folder once and writes all 800 node files
    calls = DiskCalls(monkeypatch)

    tree.set_current("n7")  # a click: only the manifest, not waited for on the disk
    assert (calls.listings, calls.checks, calls.syncs) == (0, 0, 0)

    calls.reset()
    node = EditNode("added", "n3", "edit", "an edit", source_prompt="root", method="stable-flow",
                    params={"steps": 1}, seed=1, trajectory_id="added")
    tree.insert(node, Image.new("RGB", (16, 16)), tiny_trajectory(1))
    assert calls.listings == 0 and calls.checks == 2  # the new image and trajectory, not 802 files
    assert calls.syncs <= 1  # one flush of the new files (os.sync), then the durable manifest
    tree.set_deleted(["n5"], True)
    assert calls.listings == 0
    assert not (autosave.folder / "images" / "n5.png").exists()  # a deleted node's files go

    assert_trees_equal(tree, restore_autosave(autosave.folder))


def test_a_session_closed_without_waiting_stops_being_restorable_at_once():
    autosave = Autosave()
    autosave.attach(large_tree(300, "chain"))
    folder = autosave.folder
    started = time.monotonic()
    autosave.clear(wait=False)
    assert not (folder / MANIFEST).exists() and find_autosave() is None
    while folder.exists() and time.monotonic() - started < 30:
        time.sleep(0.05)  # the files go on a background thread
    assert not folder.exists()

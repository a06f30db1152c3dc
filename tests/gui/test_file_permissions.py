"""Exports and projects get the permissions the umask gives any new file; private data stays 0600."""

from __future__ import annotations

import os
import stat

import pytest

from tests.gui.helpers import edit, export, open_photo, save_project


@pytest.fixture
def umask_002():
    """A group-writable umask (as many desktops set), restored afterwards."""
    previous = os.umask(0o002)
    yield 0o002
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_exports_and_projects_follow_the_umask(qtbot, window, tmp_path, umask_002):
    open_photo(window, tmp_path)
    node = edit(qtbot, window, "a photo of a street", "a photo of a street in snow")[0]
    assert export(window, node, tmp_path / "snow.png")
    assert save_project(window, tmp_path / "trip")
    assert mode(tmp_path / "snow.png") == 0o664
    assert mode(tmp_path / "trip.sfproj") == 0o664
    assert mode(window.controller.prompts.path) == 0o600  # what the user typed stays private

"""Leftovers are cleaned, writes keep the umask's permissions, big projects stay quick, tokens stay secret."""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
import uuid

import pytest
import torch

from cli.errors import run_guarded
from cli.model_options import hf_token_from_args
from core.api.errors import ParameterError
from core.session.autosave import PREWRITE_GRACE_SECONDS, Autosave, autosave_root, find_autosave, restore_autosave
from core.session.project_file import load_project, save_project
from core.session.trajectory_store import scratch_root
from core.storage.atomic import STALE_TEMP_SECONDS
from core.storage.paths import contained_path, log_dir
from core.storage.redaction import RedactingFormatter, redact_secrets
from tests.core.session_helpers import assert_trees_equal
from tests.hostile_corpus import SECRET, base_tree
from tests.large_projects import large_tree

OLD = time.time() - 2 * max(STALE_TEMP_SECONDS, PREWRITE_GRACE_SECONDS)


def _age(path) -> None:
    os.utime(path, (OLD, OLD))


def test_save_project_removes_temp_files_of_an_interrupted_save_but_not_a_running_one(tmp_path):
    target = tmp_path / "my [1].sfproj"
    stale, running = tmp_path / f".{target.name}.abc123.tmp", tmp_path / f".{target.name}.def456.tmp"
    stale.write_bytes(b"half a project")
    running.write_bytes(b"being written")
    _age(stale)
    save_project(base_tree(), target)
    assert not stale.exists() and running.exists() and load_project(target).root_id


def test_autosave_removes_stale_temp_files_when_it_takes_a_folder_over(tmp_path):
    # A write is only left half done when its process is killed; a live writer's failed write
    # removes its temporary file itself. So the folder is swept when a writer first saves into it.
    tree = base_tree()
    first = Autosave()
    first.save(tree)
    leftover = first.folder / "images" / ".x.png.123.tmp"
    leftover.write_bytes(b"killed midway")
    _age(leftover)
    Autosave(first.folder).save(tree)
    assert not leftover.exists()
    assert_trees_equal(tree, restore_autosave(first.folder))


def test_autosave_folders_without_a_manifest_are_swept_once_their_session_is_gone():
    dead_empty = autosave_root() / uuid.uuid4().hex
    (dead_empty / "images").mkdir(parents=True)
    (dead_empty / "owner.json").write_text(json.dumps({"pid": 2**22 + 12345, "started": 1.0}))
    _age(dead_empty)
    young = autosave_root() / uuid.uuid4().hex
    young.mkdir()  # a session that has only just created its folder
    crashed = Autosave(autosave_root() / uuid.uuid4().hex)
    crashed.save(base_tree())
    (crashed.folder / "owner.json").write_text(json.dumps({"pid": 2**22 + 12345, "started": 1.0}))
    assert find_autosave() == crashed.folder
    assert not dead_empty.exists() and young.exists()


def test_atomic_writes_keep_the_umask_permissions(tmp_path):
    previous = os.umask(0o022)
    try:
        import importlib

        import core.storage.atomic
        importlib.reload(core.storage.atomic)  # the mask is read once, at import
        core.storage.atomic.atomic_write_bytes(tmp_path / "f", b"x")
    finally:
        os.umask(previous)
        importlib.reload(core.storage.atomic)
    assert (tmp_path / "f").stat().st_mode & 0o777 == 0o644


def test_contained_path_refuses_names_that_leave_the_folder(tmp_path):
    for name in ("../x", "a/../../x", "/etc/passwd", ".", "", "images/.."):
        with pytest.raises(ValueError):
            contained_path(tmp_path, name)
    assert contained_path(tmp_path, "images/a.png") == tmp_path / "images" / "a.png"


@pytest.mark.parametrize("shape", ["chain", "star"])
def test_a_large_project_loads_with_one_scratch_file_and_every_trajectory_intact(shape, tmp_path):
    tree = large_tree(300, shape)
    path = save_project(tree, tmp_path / f"{shape}.sfproj")
    loaded = load_project(path)
    assert [node.id for node in loaded.nodes()] == [node.id for node in tree.nodes()]
    scratch = [p for p in scratch_root().rglob("*") if p.is_file()]
    assert len(scratch) <= 2  # one pack per store (the built tree's and the loaded one's), not one file per node
    for node_id in ("n1", "n150", "n299"):
        assert torch.equal(loaded.trajectory(node_id).latents, tree.trajectory(node_id).latents)
    if shape == "star":
        assert len(loaded.children("n0")) == 299
    else:
        assert len(loaded.path_to("n299")) == 300


def test_redaction_covers_tokens_and_token_option_values_but_not_file_paths():
    assert SECRET not in redact_secrets(f"unrecognized arguments: --hf_tokn {SECRET}")
    assert "secret-without-prefix" not in redact_secrets("ambiguous option: --hf=secret-without-prefix could match")
    line = "cannot read --hf-token-file /home/me/token.txt: No such file"
    assert redact_secrets(line) == line
    assert redact_secrets("could match --hf-token, --hf_token (see 'main.py --help')") == \
        "could match --hf-token, --hf_token (see 'main.py --help')"


def test_an_internal_error_mentioning_the_token_is_redacted_on_screen_and_in_the_crash_log(capsys):
    def crash() -> int:
        raise RuntimeError(f"request failed with token {SECRET}")

    assert run_guarded(crash) == 1
    assert SECRET not in capsys.readouterr().err
    (log,) = log_dir().glob("crash-*.log")
    assert SECRET not in log.read_text() and "RuntimeError" in log.read_text()


def test_the_token_comes_from_the_option_the_file_or_hf_token(tmp_path, monkeypatch):
    token_file = tmp_path / "token"
    token_file.write_text(f"  {SECRET}  \nignored\n")
    monkeypatch.setenv("HF_TOKEN", "hf_fromTheEnvironment1")
    assert hf_token_from_args(argparse.Namespace(hf_token=None, hf_token_file=token_file)) == SECRET
    assert hf_token_from_args(argparse.Namespace(hf_token=None, hf_token_file=None)) == "hf_fromTheEnvironment1"
    assert hf_token_from_args(argparse.Namespace(hf_token="hf_given12345", hf_token_file=None)) == "hf_given12345"
    monkeypatch.delenv("HF_TOKEN")
    assert hf_token_from_args(argparse.Namespace(hf_token=None, hf_token_file=None)) is None


def test_editor_error_lines_and_log_lines_never_hold_a_token():
    from gui.error_messages import describe_error  # no Qt in it

    assert SECRET not in describe_error(ParameterError(f"the model refused token {SECRET}"))
    assert SECRET not in describe_error(RuntimeError(f"HTTP 401 for token {SECRET}"))
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "token %s", (SECRET,), None)
    assert SECRET not in RedactingFormatter("%(message)s").format(record)

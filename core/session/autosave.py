"""Autosave: a session folder under ``data_dir()/autosave`` kept current after every change.

Each session writes its own folder ``autosave/<session id>/`` in the project layout
(core.session.session_format). Images and trajectories are written once per node (node
results never change), then the manifest is replaced atomically, so a crash or kill at
any moment leaves the last complete manifest and every file it names. A clean shutdown
removes the folder; a folder left behind is a crashed session that
:func:`find_autosave` reports and :func:`restore_autosave` loads.
"""

from __future__ import annotations

import errno
import json
import logging
import shutil
import time
import uuid
from pathlib import Path
from typing import Callable, Optional

import psutil

from core.atomic import atomic_write_bytes, atomic_write_text, is_stale_temp_file
from core.paths import contained_path, data_dir
from core.regular_files import read_regular_file
from core.session.project_file import ProjectFileError
from core.session.session_format import MANIFEST, DamagedSessionError, ReadEntry, read_session, write_session
from core.session.tree import EditTree

log = logging.getLogger(__name__)

# Files of nodes the tree does not know yet are kept this long: a front end may write a
# finished result's files ahead (off its UI thread) before it adds the result to the tree.
PREWRITE_GRACE_SECONDS = 600
OWNER = "owner.json"


def autosave_root() -> Path:
    """The folder holding every session's autosave."""
    return data_dir() / "autosave"


class Autosave:
    """Keeps one session's autosave folder up to date with its tree."""

    def __init__(self, folder: Optional[Path] = None, on_error: Optional[Callable[[str], None]] = None) -> None:
        self.folder = Path(folder) if folder is not None else autosave_root() / uuid.uuid4().hex
        self._tree: Optional[EditTree] = None
        # Told (once per failure streak) when an autosave cannot be written, e.g. the disk is full.
        self.on_error = on_error
        self.failing = False

    def attach(self, tree: EditTree) -> None:
        """Save ``tree`` after every change from now on (and right away when it has a root)."""
        self._tree = tree
        tree.add_listener(self._on_change)
        if tree.root_id is not None:
            self.save(tree)

    def _on_change(self, event: str, node_id: Optional[str]) -> None:
        # A failed autosave must never break the edit that triggered it: the result is in the
        # tree either way, and the next change tries again.
        if self._tree is None or self._tree.root_id is None:
            return
        try:
            self.save(self._tree)
        except OSError as error:
            log.warning("autosave to %s failed: %s", self.folder, error)
            if not self.failing and self.on_error is not None:
                reason = "the disk is full" if error.errno == errno.ENOSPC else (error.strerror or str(error))
                self.on_error(f"Autosave failed ({reason}); your results are still open: free some space or "
                              "save the project elsewhere")
            self.failing = True
        else:
            self.failing = False

    def save(self, tree: EditTree) -> None:
        """Write new node files, then the manifest, then drop files of deleted nodes."""
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True)
            atomic_write_text(self.folder / OWNER, json.dumps(_process_identity()))
        names = set(write_session(tree, self._write, lambda name: contained_path(self.folder, name).is_file()))
        now = time.time()
        for sub in ("images", "trajectories", "masks", "originals"):
            for path in (self.folder / sub).glob("*"):
                if path.name.startswith(".") and is_stale_temp_file(path, now):
                    path.unlink(missing_ok=True)  # a write killed midway
                    continue
                if f"{sub}/{path.name}" in names or path.name.startswith("."):  # listed, or a write in progress
                    continue
                node_id = path.name.split(".")[0]
                if not tree.contains(node_id) and now - path.stat().st_mtime < PREWRITE_GRACE_SECONDS:
                    continue  # a result written ahead by a worker, about to be added to the tree
                path.unlink(missing_ok=True)

    def _write(self, name: str, data: bytes) -> None:
        atomic_write_bytes(contained_path(self.folder, name), data)

    def clear(self) -> None:
        """Remove the autosave (a clean shutdown); the next start finds nothing to restore."""
        if self._tree is not None:
            self._tree.remove_listener(self._on_change)
            self._tree = None
        shutil.rmtree(self.folder, ignore_errors=True)


def _process_identity(pid: Optional[int] = None) -> dict:
    """A process's id and start time (together unique even when ids are reused)."""
    process = psutil.Process(pid)
    return {"pid": process.pid, "started": process.create_time()}


def _owner_running(folder: Path) -> bool:
    """Whether the process that writes ``folder`` is still running (this one included)."""
    try:
        owner = json.loads((folder / OWNER).read_text(encoding="utf-8"))
        return abs(_process_identity(int(owner["pid"]))["started"] - float(owner["started"])) < 0.01
    except psutil.AccessDenied:
        return True  # it exists; leave it alone
    except (OSError, ValueError, KeyError, TypeError, psutil.Error):
        return False


def sweep_incomplete_autosaves() -> None:
    """Delete autosave folders with no manifest whose session is gone (killed before its first save).

    A folder younger than PREWRITE_GRACE_SECONDS is left: its session may be writing its first files.
    """
    now = time.time()
    try:
        folders = [folder for folder in autosave_root().iterdir() if folder.is_dir() and not folder.is_symlink()]
    except OSError:
        return
    for folder in folders:
        try:
            if (folder / MANIFEST).exists() or now - folder.stat().st_mtime < PREWRITE_GRACE_SECONDS:
                continue
        except OSError:
            continue
        if not _owner_running(folder):
            shutil.rmtree(folder, ignore_errors=True)


def find_autosave() -> Optional[Path]:
    """The most recent autosave left by a session that did not shut down cleanly, or None.

    Autosaves of running sessions (this process's, another open editor's) are skipped; folders
    left without a manifest are deleted.
    """
    sweep_incomplete_autosaves()
    candidates = []
    for manifest in autosave_root().glob(f"*/{MANIFEST}"):
        if not _owner_running(manifest.parent):
            try:
                candidates.append((manifest.stat().st_mtime, manifest.parent))
            except OSError:
                pass
    return max(candidates)[1] if candidates else None


def folder_entry_reader(folder: Path) -> ReadEntry:
    """``read(name, max_bytes)`` for :func:`read_session` over a session folder: only regular
    files inside ``folder``, with the size checked before reading."""
    def read(name: str, max_bytes: int) -> bytes:
        try:
            return read_regular_file(contained_path(folder, name), max_bytes)
        except FileNotFoundError:
            raise DamagedSessionError(f"it has no {name}") from None
        except (OSError, ValueError) as error:
            raise DamagedSessionError(f"{name} in it cannot be read ({error})") from None
    return read


def restore_autosave(folder: Path, tree: Optional[EditTree] = None) -> EditTree:
    """Load an autosave folder into ``tree`` (a new tree when None)."""
    tree = tree if tree is not None else EditTree()
    try:
        read_session(folder_entry_reader(Path(folder)), tree)
    except DamagedSessionError as error:
        raise ProjectFileError(f"the autosaved session in {folder} cannot be restored: {error}") from None
    return tree


def discard_autosave(folder: Path) -> None:
    """Delete an autosave folder the user chose not to restore (or has restored and saved)."""
    shutil.rmtree(folder, ignore_errors=True)

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
import os
import shutil
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Optional

import psutil

from core.session.node import EditNode
from core.session.project_file import ProjectFileError
from core.storage.atomic import atomic_output, atomic_write_bytes, atomic_write_text, is_stale_temp_file
from core.storage.paths import contained_path, data_dir
from core.storage.regular_files import read_regular_file
from core.session.session_format import (
    MANIFEST, DamagedSessionError, EntryWriter, ReadEntry, manifest_bytes, node_entries, node_json, read_session, session_entries,
)
from core.session.tree import EditTree

log = logging.getLogger(__name__)

# Files of nodes the tree does not know yet are kept this long: a front end may write a
# finished result's files ahead (off its UI thread) before it adds the result to the tree.
PREWRITE_GRACE_SECONDS = 600
OWNER = "owner.json"
_CAN_SYNC_ALL = hasattr(os, "sync")  # elsewhere (Windows) each node file is fsynced as it is written


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
        self._written: Optional[set[str]] = None  # entry names in the folder, known after the first save
        # Per node id: (the node, its manifest text, its entries); nodes never change once in the tree.
        self._node_cache: dict[str, tuple[EditNode, str, list[tuple[str, EntryWriter]]]] = {}

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
            # A click (another current result) only rewrites the manifest, without waiting for
            # the disk: a crash of the editor still leaves a whole manifest (renamed into place).
            self.save(self._tree, durable=event != "current")
        except OSError as error:
            log.warning("autosave to %s failed: %s", self.folder, error)
            if not self.failing and self.on_error is not None:
                reason = "the disk is full" if error.errno == errno.ENOSPC else (error.strerror or str(error))
                self.on_error(f"Autosave failed ({reason}); your results are still open: free some space or "
                              "save the project elsewhere")
            self.failing = True
        else:
            self.failing = False

    def save(self, tree: EditTree, durable: bool = True) -> None:
        """Write new node files, then the manifest, then drop files of deleted nodes.

        Time is proportional to what changed, not to the tree: the entries written are
        remembered (the folder is listed once, at the first save), node files are flushed
        with one sync before the manifest that names them, and each node's manifest text is
        kept (nodes never change once in the tree).
        """
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True)
            atomic_write_text(self.folder / OWNER, json.dumps(_process_identity()))
        if self._written is None:
            self._written = self._sweep_folder(tree)
        tree.root_node()
        entries = session_entries(tree, lambda node: self._cached(tree, node)[2])
        fresh = [(name, writer) for name, writer in entries
                 if name not in self._written and not contained_path(self.folder, name).is_file()]
        for name, writer in fresh:
            with atomic_output(contained_path(self.folder, name), sync=not _CAN_SYNC_ALL) as stream:
                writer(stream)
        if fresh and _CAN_SYNC_ALL:
            os.sync()  # one flush for every node file, before the manifest names them
        manifest = manifest_bytes(tree, lambda node: self._cached(tree, node)[1])
        atomic_write_bytes(self.folder / MANIFEST, manifest, sync=durable or bool(fresh))
        names = {name for name, _writer in entries}
        for name in self._written - names:
            contained_path(self.folder, name).unlink(missing_ok=True)  # a deleted node's file
        self._written = names

    def _cached(self, tree: EditTree, node: EditNode) -> tuple[EditNode, str, list[tuple[str, EntryWriter]]]:
        """The node's manifest text and entries (names checked, writers made), made once."""
        cached = self._node_cache.get(node.id)
        if cached is None or cached[0] is not node:
            cached = self._node_cache[node.id] = (node, node_json(node), node_entries(tree, node))
        return cached

    def _sweep_folder(self, tree: EditTree) -> set[str]:
        """The node files already in the folder (its first save in this process): writes killed
        midway and files of nodes gone from the tree are removed, results written ahead kept."""
        now = time.time()
        present = set()
        for sub in ("images", "trajectories", "masks", "drafts", "originals"):
            for path in (self.folder / sub).glob("*"):
                if path.name.startswith("."):
                    if is_stale_temp_file(path, now):
                        path.unlink(missing_ok=True)  # a write killed midway
                    continue
                node_id = path.name.split(".")[0]
                if tree.contains(node_id) or (sub == "originals" and node_id == tree.root_id):
                    present.add(f"{sub}/{path.name}")
                elif now - path.stat().st_mtime >= PREWRITE_GRACE_SECONDS:
                    path.unlink(missing_ok=True)  # younger: a result written ahead, about to be added
        return present

    def clear(self, wait: bool = True) -> None:
        """Remove the autosave (a clean shutdown); the next start finds nothing to restore.

        The manifest goes first, so the folder stops being a session at once; ``wait=False``
        then deletes the files on a background thread (a 5,000-result session has 10,000 of
        them): what a quitting process leaves is swept by a later start.
        """
        if self._tree is not None:
            self._tree.remove_listener(self._on_change)
            self._tree = None
        try:
            (self.folder / MANIFEST).unlink(missing_ok=True)
        except OSError:
            pass
        remove_folder(self.folder, wait)


def remove_folder(folder: Path, wait: bool = True) -> None:
    """Delete ``folder`` now, or (``wait=False``) on a daemon thread, so the caller never waits."""
    if wait:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        threading.Thread(target=shutil.rmtree, args=(folder, True), name="remove-autosave", daemon=True).start()


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


def sweep_incomplete_autosaves(wait: bool = True) -> None:
    """Delete autosave folders with no manifest whose session is gone (killed before its first
    save, or quit before its files were all deleted); ``wait=False`` deletes in the background.

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
            remove_folder(folder, wait)


def find_autosave(wait: bool = True) -> Optional[Path]:
    """The most recent autosave left by a session that did not shut down cleanly, or None.

    Autosaves of running sessions (this process's, another open editor's) are skipped; folders
    left without a manifest are deleted (in the background with ``wait=False``: a window must
    not wait for thousands of files).
    """
    sweep_incomplete_autosaves(wait)
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

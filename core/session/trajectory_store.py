"""Where a session keeps its nodes' latent trajectories: recent ones in memory, the rest on disk.

A FLUX trajectory at 1024x1024 and 50 steps is about 26 MB in bf16, so a long session would
otherwise hold gigabytes of them. The store keeps the most recently used few in memory and
spills the others to a scratch folder (safetensors, atomic writes) from which they are read
back on demand. The folder belongs to this process: it is removed when the store is closed
or garbage collected, and folders left by processes that are gone are swept on the next start.
Spilled files are named by the store's own counter, never by a node id (ids come from
project files, which may be crafted), and are not fsynced: they are worthless after a crash.
"""

from __future__ import annotations

import logging
import shutil
import uuid
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Optional

import psutil

from core.atomic import atomic_write_bytes
from core.paths import cache_dir, contained_path
from core.session.trajectory_files import trajectory_from_bytes, trajectory_to_bytes
from core.trajectory import Trajectory

DEFAULT_IN_MEMORY = 8
log = logging.getLogger(__name__)


def scratch_root() -> Path:
    """Parent folder of every session's spilled trajectories."""
    return cache_dir() / "session-scratch"


def _owner_tag() -> str:
    process = psutil.Process()
    return f"{process.pid}-{int(process.create_time())}"


def _owner_alive(tag: str) -> bool:
    try:
        pid, started = (int(part) for part in tag.split("-")[:2])
        return int(psutil.Process(pid).create_time()) == started
    except (ValueError, psutil.Error):
        return False


def sweep_abandoned_scratch() -> None:
    """Delete scratch folders whose process is gone (a crash leaves them behind)."""
    root = scratch_root()
    if not root.is_dir():
        return
    for folder in root.iterdir():
        if folder.is_dir() and not _owner_alive(folder.name):
            shutil.rmtree(folder, ignore_errors=True)


class TrajectoryStore:
    """node id -> Trajectory, with at most ``in_memory`` of them held in memory at once."""

    def __init__(self, in_memory: int = DEFAULT_IN_MEMORY) -> None:
        self.in_memory = max(1, in_memory)
        self._memory: OrderedDict[str, Trajectory] = OrderedDict()
        self._spilled: set[str] = set()
        self._file_names: dict[str, str] = {}  # node id -> spill file name (the store's own)
        self._folder: Optional[Path] = None

    def __contains__(self, node_id: str) -> bool:
        return node_id in self._memory or node_id in self._spilled

    def __setitem__(self, node_id: str, trajectory: Trajectory) -> None:
        self._spilled.discard(node_id)
        self._memory[node_id] = trajectory
        self._memory.move_to_end(node_id)
        while len(self._memory) > self.in_memory:
            self._spill(next(iter(self._memory)))

    def get(self, node_id: str) -> Optional[Trajectory]:
        """The trajectory (read back from disk when it was spilled), or None."""
        trajectory = self._memory.get(node_id)
        if trajectory is not None:
            self._memory.move_to_end(node_id)
            return trajectory
        if node_id not in self._spilled:
            return None
        try:
            trajectory = trajectory_from_bytes(self._path(node_id).read_bytes())
        except (OSError, ValueError) as error:
            # The node is then edited like a photo (inverted through the cache): slower, not wrong.
            log.warning("spilled trajectory of %s is unreadable: %s", node_id, error)
            self._spilled.discard(node_id)
            return None
        self[node_id] = trajectory
        return trajectory

    def clear(self) -> None:
        """Forget every trajectory and remove the scratch folder."""
        self._memory.clear()
        self._spilled.clear()
        self._file_names.clear()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _path(self, node_id: str) -> Path:
        if self._folder is None:
            sweep_abandoned_scratch()
            self._folder = scratch_root() / f"{_owner_tag()}-{uuid.uuid4().hex[:8]}"
            self._folder.mkdir(parents=True, exist_ok=True)
            weakref.finalize(self, shutil.rmtree, self._folder, True)
        name = self._file_names.setdefault(node_id, f"{len(self._file_names)}.safetensors")
        return contained_path(self._folder, name)

    def _spill(self, node_id: str) -> None:
        trajectory = self._memory.pop(node_id)
        try:
            atomic_write_bytes(self._path(node_id), trajectory_to_bytes(trajectory), durable=False)
        except OSError as error:  # e.g. a full disk: keep it in memory rather than lose it
            log.warning("could not spill the trajectory of %s: %s", node_id, error)
            self._memory[node_id] = trajectory
            self._memory.move_to_end(node_id, last=False)
            self.in_memory += 1
            return
        self._spilled.add(node_id)

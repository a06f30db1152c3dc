"""Where a session keeps its nodes' latent trajectories: recent ones in memory, the rest on disk.

A FLUX trajectory at 1024x1024 and 50 steps is about 26 MB in bf16, so a long session would
otherwise hold gigabytes of them. The store keeps the most recently used few in memory and
spills the others, as safetensors bytes, to one append-only scratch file from which they are
read back on demand (one file, not one per node: a 5,000-node project loads in seconds).
A node's trajectory never changes, so a spilled record is reused when it is evicted again.
The folder belongs to this process: it is removed when the store is closed or garbage
collected, and folders left by processes that are gone are swept on the next start. Nothing
in it is named after a node id (ids come from project files, which may be crafted), and
nothing is fsynced: it is worthless after a crash.
"""

from __future__ import annotations

import logging
import shutil
import uuid
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import BinaryIO, Optional

import psutil

from core.api.trajectory import Trajectory
from core.storage.paths import cache_dir, contained_path
from core.storage.trajectory_files import trajectory_from_bytes, trajectory_to_bytes

DEFAULT_IN_MEMORY = 8
PACK_NAME = "trajectories.pack"
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


def _remove_scratch(folder: Path, pack: BinaryIO) -> None:
    pack.close()  # Windows cannot delete an open file
    shutil.rmtree(folder, ignore_errors=True)


class TrajectoryStore:
    """node id -> Trajectory, with at most ``in_memory`` of them held in memory at once."""

    def __init__(self, in_memory: int = DEFAULT_IN_MEMORY) -> None:
        self.in_memory = max(1, in_memory)
        self._memory: OrderedDict[str, Trajectory] = OrderedDict()
        self._spilled: dict[str, tuple[int, int]] = {}  # node id -> (offset, length) in the pack
        self._summaries: dict[str, tuple[str, int]] = {}  # node id -> (prompt, steps), never read from disk
        self._folder: Optional[Path] = None
        self._pack: Optional[BinaryIO] = None
        self._cleanup: Optional[weakref.finalize] = None

    def __contains__(self, node_id: str) -> bool:
        return node_id in self._memory or node_id in self._spilled

    def __setitem__(self, node_id: str, trajectory: Trajectory) -> None:
        self._spilled.pop(node_id, None)
        self._summaries[node_id] = (trajectory.prompt, trajectory.num_steps)
        self._hold(node_id, trajectory)

    def add_encoded(self, node_id: str, data: bytes, checked: Trajectory) -> None:
        """Store a trajectory given as :func:`trajectory_to_bytes` bytes, straight to disk (a loaded
        project: most of its trajectories are never used again); ``checked`` is those bytes decoded."""
        self._memory.pop(node_id, None)
        self._summaries[node_id] = (checked.prompt, checked.num_steps)
        try:
            self._spilled[node_id] = self._append(data)
        except OSError as error:  # a full disk: keep it in memory rather than lose it
            log.warning("could not spill the trajectory of a result: %s", error)
            self[node_id] = trajectory_from_bytes(data)
            self.in_memory += 1

    def summary(self, node_id: str) -> Optional[tuple[str, int]]:
        """The trajectory's prompt and step count without reading a spilled one back, or None."""
        return self._summaries.get(node_id) if node_id in self else None

    def get(self, node_id: str) -> Optional[Trajectory]:
        """The trajectory (read back from disk when it was spilled), or None."""
        trajectory = self._memory.get(node_id)
        if trajectory is not None:
            self._memory.move_to_end(node_id)
            return trajectory
        data = self.encoded(node_id)
        if data is None:
            return None
        try:
            trajectory = trajectory_from_bytes(data)
        except ValueError as error:
            # The node is then edited like a photo (inverted through the cache): slower, not wrong.
            log.warning("a spilled trajectory is unreadable: %s", error)
            self._spilled.pop(node_id, None)
            self._summaries.pop(node_id, None)
            return None
        self._hold(node_id, trajectory)  # its pack record stays: no rewrite when it is evicted again
        return trajectory

    def encoded(self, node_id: str) -> Optional[bytes]:
        """The trajectory's safetensors bytes without loading it into memory (for saving), or None."""
        trajectory = self._memory.get(node_id)
        if trajectory is not None:
            return trajectory_to_bytes(trajectory)
        record = self._spilled.get(node_id)
        if record is None or self._pack is None:
            return None
        try:
            self._pack.seek(record[0])
            data = self._pack.read(record[1])
        except OSError as error:
            log.warning("could not read a spilled trajectory back: %s", error)
            data = b""
        if len(data) != record[1]:
            self._spilled.pop(node_id, None)
            self._summaries.pop(node_id, None)
            return None
        return data

    def clear(self) -> None:
        """Forget every trajectory and remove the scratch folder."""
        self._memory.clear()
        self._spilled.clear()
        self._summaries.clear()
        if self._cleanup is not None:
            self._cleanup()
        self._folder = self._pack = self._cleanup = None

    def _append(self, data: bytes) -> tuple[int, int]:
        if self._pack is None:
            sweep_abandoned_scratch()
            folder = scratch_root() / f"{_owner_tag()}-{uuid.uuid4().hex[:8]}"
            folder.mkdir(parents=True, exist_ok=True)
            self._pack = open(contained_path(folder, PACK_NAME), "w+b")
            self._folder = folder
            self._cleanup = weakref.finalize(self, _remove_scratch, folder, self._pack)
        offset = self._pack.seek(0, 2)
        self._pack.write(data)  # buffered: a later seek for a read flushes it
        return offset, len(data)

    def _hold(self, node_id: str, trajectory: Trajectory) -> None:
        self._memory[node_id] = trajectory
        self._memory.move_to_end(node_id)
        while len(self._memory) > self.in_memory:
            self._spill(next(iter(self._memory)))

    def _spill(self, node_id: str) -> None:
        trajectory = self._memory.pop(node_id)
        if node_id in self._spilled:
            return
        try:
            self._spilled[node_id] = self._append(trajectory_to_bytes(trajectory))
        except OSError as error:  # e.g. a full disk: keep it in memory rather than lose it
            log.warning("could not spill a trajectory: %s", error)
            self._memory[node_id] = trajectory
            self._memory.move_to_end(node_id, last=False)
            self.in_memory += 1

"""Several processes sharing one cache folder: one writer per entry, readers that wait for it.

A cache entry is two files written one after the other (data, then its JSON). Two writers
of one key interleaving (data A, data B, JSON B, JSON A) would leave B's data under A's
JSON, a torn entry every reader then discards; so a writer first claims the key with an
exclusively created lock file, and a second writer of the same key skips its write (the
entry is being stored anyway). A reader can still see the old JSON with the new data
while the one writer is between its two files: it waits for the JSON to change and reads
again instead of calling the entry damaged.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Optional

# How long a reader waits for a writer to finish an entry before calling it damaged.
SETTLE_SECONDS = 0.5
# Reads of one entry while it keeps being rewritten (each waits for the rewrite to finish)
# before it is called damaged: a reader among four busy writers once saw five mismatches in a row.
READ_ATTEMPTS = 200
# A lock older than this belongs to a writer that was killed (writes take seconds).
STALE_LOCK_SECONDS = 120


def info_rewritten(info_path: Path, seen: bytes, settle_seconds: float = SETTLE_SECONDS,
                   lock: Optional[Path] = None) -> bool:
    """Whether the JSON file changes from the bytes ``seen`` (or goes) within ``settle_seconds``,
    or for as long as a writer holds the entry's ``lock`` (a loaded disk can hold a writer
    between its two files for longer than the settle time)."""
    deadline = time.monotonic() + settle_seconds
    while True:
        try:
            if info_path.read_bytes() != seen:
                return True
        except OSError:
            return True
        if time.monotonic() >= deadline and (lock is None or not _held(lock)):
            return False
        time.sleep(0.01)


def lock_path(folder: Path, key: str) -> Path:
    """The file whose existence says a writer is storing ``key``."""
    return folder / f".{key}.lock"


def _held(lock: Path) -> bool:
    try:
        return time.time() - lock.stat().st_mtime < STALE_LOCK_SECONDS
    except OSError:
        return False


class KeyLock:
    """A claimed cache key; :meth:`release` when the entry is written."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def release(self) -> None:
        """Let other writers store this key again."""
        try:
            self.path.unlink()
        except OSError:
            pass


def claim_key(folder: Path, key: str) -> Optional[KeyLock]:
    """The key's write lock, or None while another process holds it (OSError: folder unusable)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = lock_path(folder, key)
    for _ in range(2):
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            return KeyLock(path)
        except FileExistsError:
            try:
                if time.time() - path.stat().st_mtime < STALE_LOCK_SECONDS:
                    return None
                path.unlink()  # its writer was killed: take the key over
            except FileNotFoundError:
                pass  # released meanwhile: try again
    return None

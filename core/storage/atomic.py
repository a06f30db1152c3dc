"""Atomic file writes: a crash leaves either the old file or the new one, never half of one.

The temporary file sits beside the target as ``.<name>.<random>.tmp``; a write killed
before its rename leaves one behind, which :func:`remove_stale_temp_files` clears later.
Files get the permissions a plain ``open(path, "w")`` would give them (0666 less the umask),
not the temp file's 0600, unless they hold private data.
"""

from __future__ import annotations

import glob
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

# A temp file this old is not a write in progress (writes take seconds) but a killed one's leftover.
STALE_TEMP_SECONDS = 600


def _current_umask() -> int:
    """The process umask (read without changing it where the system allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore (briefly process-wide)
    os.umask(mask)
    return mask


@contextmanager
def atomic_output(path: str | Path, private: bool = False, sync: bool = True) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path`` for binary writing; rename it over ``path`` on success.

    The file gets the permissions a plain ``open(path, "w")`` would give it, or 0600 when
    ``private``. ``sync=False`` skips the fsync, for a writer that flushes many files at once
    before it writes the one that names them.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if not private and hasattr(os, "fchmod"):
            os.fchmod(handle, 0o666 & ~_current_umask())
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            if sync:
                os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise


def atomic_write_bytes(path: str | Path, data: bytes, private: bool = False, sync: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (0600 when ``private``, else as the umask says)."""
    with atomic_output(path, private=private, sync=sync) as stream:
        stream.write(data)


def atomic_write_text(path: str | Path, text: str, private: bool = False) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically (0600 when ``private``, else as the umask says)."""
    atomic_write_bytes(path, text.encode("utf-8"), private=private)


def is_stale_temp_file(path: Path, now: float | None = None) -> bool:
    """Whether ``path`` is an atomic write's temp file left behind over STALE_TEMP_SECONDS ago."""
    if not (path.name.startswith(".") and path.name.endswith(".tmp")):
        return False
    try:
        return (now or time.time()) - path.lstat().st_mtime > STALE_TEMP_SECONDS
    except OSError:
        return False


def remove_stale_temp_files(path: str | Path) -> None:
    """Delete temp files of earlier, interrupted atomic writes of ``path`` (never a recent one)."""
    path = Path(path)
    try:
        candidates = list(path.parent.glob(f".{glob.escape(path.name)}.*.tmp"))
    except OSError:
        return
    for candidate in candidates:
        if is_stale_temp_file(candidate):
            try:
                candidate.unlink()
            except OSError:
                pass

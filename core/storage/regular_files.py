"""Opening files named by users or found in files: only regular files, never a FIFO or device.

Opening a FIFO blocks until someone writes to it and a device can be endless, so the file
is opened without blocking and checked with ``fstat`` on the open handle (no race with a
swap between check and open) before a byte is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # POSIX only; Windows has no FIFOs to hang on
_FLAGS = os.O_RDONLY | _NONBLOCK | getattr(os, "O_BINARY", 0)


class NotRegularFileError(ValueError):
    """The path names a folder, FIFO, socket or device rather than a regular file."""


class FileTooLargeError(ValueError):
    """The file is larger than the caller accepts."""


def open_regular_file(path: str | Path) -> BinaryIO:
    """``path`` opened for binary reading; NotRegularFileError unless it is a regular file."""
    descriptor = os.open(path, _FLAGS)
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise NotRegularFileError(f"{Path(path).name} is not a regular file")
        if _NONBLOCK:
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_regular_file(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` (FileTooLargeError beyond)."""
    with open_regular_file(path) as stream:
        if os.fstat(stream.fileno()).st_size > max_bytes:
            raise FileTooLargeError(f"{Path(path).name} is larger than {max_bytes} bytes")
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew while being read
        raise FileTooLargeError(f"{Path(path).name} is larger than {max_bytes} bytes")
    return data

"""A folder whose disk fills up on demand: a small tmpfs when this process may mount one
(root on Linux), else every atomic write under it is refused with ENOSPC."""

from __future__ import annotations

import errno
import os
import subprocess
import tempfile
from pathlib import Path

TMPFS_BYTES = 8 * 1024 * 1024


class FullDisk:
    """``folder`` has room until :meth:`fill`; ``real`` says whether it is a real tmpfs."""

    def __init__(self, folder: Path, monkeypatch) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.real = os.name == "posix" and os.geteuid() == 0 and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(folder)],
            capture_output=True).returncode == 0
        self._full = False
        if not self.real:
            real_mkstemp = tempfile.mkstemp

            def refusing_mkstemp(*args, dir=None, **kwargs):
                if self._full and dir is not None and Path(dir).resolve().is_relative_to(folder.resolve()):
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                return real_mkstemp(*args, dir=dir, **kwargs)

            monkeypatch.setattr(tempfile, "mkstemp", refusing_mkstemp)

    def fill(self) -> None:
        """From now on, writes under the folder fail because the disk is full."""
        self._full = True
        if self.real:
            with open(self.folder / "filler", "wb") as filler:
                try:
                    while True:
                        filler.write(b"\0" * 65536)
                        filler.flush()
                except OSError as error:
                    assert error.errno == errno.ENOSPC

    def close(self) -> None:
        """Unmount the tmpfs (when one was mounted)."""
        if self.real:
            subprocess.run(["umount", "-l", str(self.folder)], check=False)

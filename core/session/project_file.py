"""Project files (``.sfproj``): one zip holding a session's manifest, PNGs and trajectories."""

from __future__ import annotations

import time
import zipfile
import zlib
from pathlib import Path

from core.api.errors import UserError
from core.session.session_format import MANIFEST, DamagedSessionError, EntryWriter, read_session, write_session
from core.session.tree import EditTree
from core.storage.atomic import atomic_output, remove_stale_temp_files

PROJECT_SUFFIX = ".sfproj"
_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


class ProjectFileError(UserError):
    """A project file is missing, not a project, or damaged."""


def save_project(tree: EditTree, path: str | Path) -> Path:
    """Write the tree's live nodes to ``path`` atomically (a crash leaves the previous file)."""
    path = Path(path)
    remove_stale_temp_files(path)  # left by a save that was killed
    with atomic_output(path) as stream, zipfile.ZipFile(stream, "w") as archive:
        def write(name: str, writer: EntryWriter) -> None:
            info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
            # PNGs and float tensors barely compress; only the manifest is deflated.
            info.compress_type = zipfile.ZIP_DEFLATED if name == MANIFEST else zipfile.ZIP_STORED
            with archive.open(info, "w") as entry:
                writer(entry)

        write_session(tree, write)
    return path


def zip_entry_reader(archive: zipfile.ZipFile):
    """``read(name, max_bytes)`` for :func:`read_session`: the entry's declared size, encryption and
    compression are checked before a byte is inflated, so a zip bomb is refused, not expanded."""
    def read(name: str, max_bytes: int) -> bytes:
        try:
            info = archive.getinfo(name)
        except KeyError:
            raise DamagedSessionError(f"it has no {name}") from None
        if info.flag_bits & 0x1:
            raise DamagedSessionError(f"{name} in it is encrypted")
        if info.compress_type not in _COMPRESSIONS:
            raise DamagedSessionError(f"{name} in it uses a compression this editor does not read")
        if info.file_size > max_bytes:
            raise DamagedSessionError(f"{name} in it is larger than {max_bytes // 2**20} MB")
        try:
            # zipfile stops inflating at the declared size and checks the CRC.
            return archive.read(info)
        except zlib.error:
            raise DamagedSessionError(f"{name} in it is damaged (its compressed data is corrupt)") from None
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError) as error:
            raise DamagedSessionError(f"{name} in it is damaged ({str(error)[:80] or type(error).__name__})") from None
    return read


def load_project(path: str | Path, tree: EditTree | None = None) -> EditTree:
    """Load a project file into ``tree`` (a new tree when None), replacing its contents."""
    path = Path(path)
    if not path.is_file():
        raise ProjectFileError(f"project file not found (or not a regular file): {path}")
    tree = tree if tree is not None else EditTree()
    try:
        with zipfile.ZipFile(path) as archive:
            read_session(zip_entry_reader(archive), tree)
    except DamagedSessionError as error:
        raise ProjectFileError(f"could not open {path.name}: {error}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError):  # a broken central directory
        raise ProjectFileError(f"{path.name} is not a Stable Flow Studio project (or it is damaged)") from None
    except OSError as error:
        raise ProjectFileError(f"could not read {path.name}: {error.strerror or error}") from None
    return tree

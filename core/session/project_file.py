"""Project files (``.sfproj``): one zip holding a session's manifest, PNGs and trajectories."""

from __future__ import annotations

import zipfile
from pathlib import Path

from core.atomic import atomic_output
from core.errors import UserError
from core.session.session_format import MANIFEST, DamagedSessionError, read_session, write_session
from core.session.tree import EditTree

PROJECT_SUFFIX = ".sfproj"


class ProjectFileError(UserError):
    """A project file is missing, not a project, or damaged."""


def save_project(tree: EditTree, path: str | Path) -> Path:
    """Write the tree's live nodes to ``path`` atomically (a crash leaves the previous file)."""
    path = Path(path)
    with atomic_output(path) as stream, zipfile.ZipFile(stream, "w") as archive:
        def write(name: str, data: bytes) -> None:
            # PNGs and float tensors barely compress; only the manifest is deflated.
            compression = zipfile.ZIP_DEFLATED if name == MANIFEST else zipfile.ZIP_STORED
            archive.writestr(name, data, compress_type=compression)

        write_session(tree, write)
    return path


def load_project(path: str | Path, tree: EditTree | None = None) -> EditTree:
    """Load a project file into ``tree`` (a new tree when None), replacing its contents."""
    path = Path(path)
    if not path.is_file():
        raise ProjectFileError(f"project file not found: {path}")
    tree = tree if tree is not None else EditTree()
    try:
        with zipfile.ZipFile(path) as archive:
            read_session(archive.read, tree)
    except zipfile.BadZipFile:
        raise ProjectFileError(f"{path.name} is not a Stable Flow Studio project (or it is damaged)") from None
    except DamagedSessionError as error:
        raise ProjectFileError(f"could not open {path.name}: {error}") from None
    return tree

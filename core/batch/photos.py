"""Which photos a batch edits, and the names their results get."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Sequence

from core.api.errors import InputImageError

PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
MAX_PHOTOS = 100_000


def find_photos(source: str | Path, exclude: Path | None = None) -> list[Path]:
    """The photos of a folder (not its subfolders) or of a glob pattern, sorted by name.

    Hidden files and files inside ``exclude`` (the output folder) are left out, so a rerun
    never edits earlier results.
    """
    text = str(source)
    path = Path(text).expanduser()
    if path.is_dir():
        candidates = list(path.iterdir())
    elif glob.has_magic(text):
        candidates = [Path(name) for name in glob.glob(str(Path(text).expanduser()))]
    elif path.is_file():
        candidates = [path]
    else:
        raise InputImageError(f"no such folder or file: {text} (give a folder of photos or a pattern such as "
                              "'shoot/*.jpg')")
    excluded = exclude.resolve() if exclude is not None else None
    photos = sorted(
        (p for p in candidates if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES and not p.name.startswith(".")
         and not (excluded is not None and p.resolve().is_relative_to(excluded))),
        key=lambda p: (p.name.lower(), str(p)),
    )
    if not photos:
        raise InputImageError(f"no photos in {text} (looked for {', '.join(PHOTO_SUFFIXES)})")
    if len(photos) > MAX_PHOTOS:
        raise InputImageError(f"{len(photos)} photos in {text}: split the batch (at most {MAX_PHOTOS})")
    return photos


def output_bases(photos: Sequence[Path]) -> dict[Path, str]:
    """Each photo's result name stem: its file stem, or stem plus extension when two photos share a stem."""
    stems: dict[str, int] = {}
    for photo in photos:
        stems[photo.stem.lower()] = stems.get(photo.stem.lower(), 0) + 1
    bases: dict[Path, str] = {}
    for photo in photos:
        base = photo.stem if stems[photo.stem.lower()] == 1 else f"{photo.stem}_{photo.suffix.lstrip('.')}"
        if base in bases.values():  # the same name in two folders of a glob
            base = f"{base}_{len(bases)}"
        bases[photo] = base
    return bases


def result_names(base: str, count: int) -> list[str]:
    """``base-1.png`` ... ``base-N.png``: one per edit of a chain, or per prompt of a single edit."""
    return [f"{base}-{k}.png" for k in range(1, count + 1)]

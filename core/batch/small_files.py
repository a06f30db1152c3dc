"""Reading a small file the user gave (a recipe, a list of descriptions): capped, one clear line on failure."""

from __future__ import annotations

from pathlib import Path

from core.api.errors import UserError


def read_capped(path: str | Path, limit: int, what: str, error: type[UserError]) -> bytes:
    """The file's bytes; ``error`` with one line when it cannot be read or is over ``limit`` bytes."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
    except OSError as problem:
        raise error(f"cannot read the {what} {path}: {problem.strerror or problem}") from None
    if len(data) > limit:
        raise error(f"{path.name} is over {limit // 1000:,} kB: that is not a {what}")
    return data

"""``batch.json``: per photo its status, result files, seconds and error line, written after every photo.

Each process of a multi-process run writes its own part (``.batch-part-<rank>.json``); the
main process merges them into ``batch.json`` in the photos' order.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

from core.storage.atomic import atomic_write_text

REPORT_NAME = "batch.json"
REPORT_FORMAT = 1
STATUSES = ("waiting", "running", "done", "failed", "cancelled")
MAX_REPORT_BYTES = 50_000_000


@dataclass
class PhotoResult:
    """Where one photo of the batch stands.

    ``outputs`` are file names in the output folder; ``error`` is one line when it failed;
    ``resumed`` marks results found from an earlier run (nothing was computed).
    """

    photo: str
    status: str = "waiting"
    outputs: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: Optional[str] = None
    source_prompt: Optional[str] = None
    recipe_hash: Optional[str] = None
    resumed: bool = False
    process: int = 0

    def to_dict(self) -> dict:
        """Plain JSON values."""
        return asdict(self)


@dataclass
class BatchReport:
    """The whole batch: the recipe, the model, and one :class:`PhotoResult` per photo."""

    recipe: dict
    model: dict
    photos: list[PhotoResult]
    processes: int = 1

    def counts(self) -> dict[str, int]:
        """How many photos have each status."""
        return {status: sum(1 for p in self.photos if p.status == status) for status in STATUSES}

    def to_dict(self) -> dict:
        """The JSON document written as ``batch.json``."""
        computed = [p for p in self.photos if p.status == "done" and not p.resumed]
        seconds = sum(p.seconds for p in computed)
        return {
            "format": REPORT_FORMAT, "recipe": self.recipe, "model": self.model, "processes": self.processes,
            "summary": {**self.counts(), "total": len(self.photos), "seconds_computing": round(seconds, 3)},
            "photos": [p.to_dict() for p in self.photos],
        }

    def write(self, path: str | Path) -> None:
        """Write atomically (a kill leaves the previous version, never half a file)."""
        atomic_write_text(path, json.dumps(self.to_dict(), indent=1, sort_keys=True))


def part_name(process_index: int) -> str:
    """The report part file of one process."""
    return f".batch-part-{process_index}.json"


def read_report(path: str | Path) -> Optional[dict]:
    """A report written by :meth:`BatchReport.write`, or None when absent or not one (it is a file: checked)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_REPORT_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != REPORT_FORMAT or not isinstance(data.get("photos"), list):
        return None
    return data


def photo_results(data: dict) -> list[PhotoResult]:
    """The well-formed photo entries of a report read from disk (others are dropped)."""
    results = []
    for entry in data.get("photos", []):
        if not isinstance(entry, dict) or not isinstance(entry.get("photo"), str) or \
                entry.get("status") not in STATUSES:
            continue
        outputs = entry.get("outputs")
        seconds = entry.get("seconds")
        results.append(PhotoResult(
            photo=entry["photo"], status=entry["status"],
            outputs=[o for o in outputs if isinstance(o, str)] if isinstance(outputs, list) else [],
            seconds=float(seconds) if isinstance(seconds, (int, float)) and 0 <= seconds < 1e9 else 0.0,
            error=entry["error"] if isinstance(entry.get("error"), str) else None,
            source_prompt=entry["source_prompt"] if isinstance(entry.get("source_prompt"), str) else None,
            recipe_hash=entry["recipe_hash"] if isinstance(entry.get("recipe_hash"), str) else None,
            resumed=entry.get("resumed") is True,
            process=entry["process"] if isinstance(entry.get("process"), int) else 0,
        ))
    return results


def merge_parts(folder: Path, order: Sequence[str], recipe: dict, model: dict, processes: int) -> BatchReport:
    """One report from every process's part, in ``order``; photos no part mentions stay waiting."""
    found: dict[str, PhotoResult] = {}
    for index in range(processes):
        data = read_report(folder / part_name(index))
        for result in photo_results(data) if data else []:
            found[result.photo] = result
    return BatchReport(recipe, model, [found.get(name, PhotoResult(name)) for name in order], processes)


def remove_parts(folder: Path, processes: int) -> None:
    """Delete the part files once merged."""
    for index in range(processes):
        (folder / part_name(index)).unlink(missing_ok=True)


def done_outputs(results: Iterable[PhotoResult]) -> list[str]:
    """Every result file of the finished photos, in order (for a gallery)."""
    return [name for result in results if result.status == "done" for name in result.outputs]

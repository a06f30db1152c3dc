"""Batch throughput: photos/hour with 1 and 2 processes in the same run, and the per-photo cost of
separate ``edit`` runs (model loaded every time) against a batch (model loaded once per process).

    python benchmarks/bench_batch.py --photos 8 --steps 20 --size 128

Every run is a fresh process with its own empty caches (nothing is reused between runs) and
``OMP_NUM_THREADS=1``, so two processes can use two cores. The 2-process run is
``accelerate launch --multi_gpu --num_processes 2`` (gloo on the CPU). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers import gradient_photo  # noqa: E402 (after the path set-up)

PROMPTS = ["a photo of {stem}", "a watercolor painting"]


def _env(home: Path) -> dict:
    return {**os.environ, "STABLE_FLOW_STUDIO_HOME": str(home), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}


def _timed(command: list[str], home: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=_env(home), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def _batch_args(photos: Path, output: Path, steps: int) -> list[str]:
    return ["main.py", "batch", "--model", "tiny-random", "--device", "cpu", "--max-sequence-length", "32",
            "--input", str(photos), "--output", str(output), "--prompts", *PROMPTS, "--steps", str(steps)]


def _compute_span(report_path: Path) -> float:
    """Seconds of the busiest process's editing (start-up and model load excluded)."""
    report = json.loads(report_path.read_text())
    per_process: dict[int, float] = {}
    for photo in report["photos"]:
        per_process[photo["process"]] = per_process.get(photo["process"], 0.0) + photo["seconds"]
    return max(per_process.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=8)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--single-edits", type=int, default=3, help="how many separate edit runs to time")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        photos = work / "photos"
        photos.mkdir()
        for index in range(args.photos):
            gradient_photo(args.size, args.size, seed=index).save(photos / f"p{index:02d}.png")
        accelerate = shutil.which("accelerate", path=str(Path(sys.executable).parent)) or "accelerate"
        one = _timed([sys.executable, *_batch_args(photos, work / "one", args.steps)], work / "home-one")
        two = _timed([accelerate, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
                      "--mixed_precision", "no", "--dynamo_backend", "no",
                      *_batch_args(photos, work / "two", args.steps)], work / "home-two")
        compute_one, compute_two = _compute_span(work / "one" / "batch.json"), _compute_span(work / "two" / "batch.json")
        singles = []
        for index in range(min(args.single_edits, args.photos)):
            singles.append(_timed([sys.executable, "main.py", "edit", "--model", "tiny-random", "--device", "cpu",
                                   "--max-sequence-length", "32", "--input-image", str(photos / f"p{index:02d}.png"),
                                   "--prompts", f"a photo of p{index:02d}", PROMPTS[1], "--steps", str(args.steps),
                                   "--output", str(work / f"edit{index}")], work / f"home-edit{index}"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    n = args.photos
    hour = 3600
    print(f"{n} photos, {args.size}x{args.size}, {args.steps} steps, tiny-random, CPU, OMP_NUM_THREADS=1\n")
    print("| processes | wall s (start-up and model load included) | photos/hour (wall) | editing s, busiest "
          "process | photos/hour (editing) |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| 1 | {one:.1f} | {n * hour / one:.0f} | {compute_one:.1f} | {n * hour / compute_one:.0f} |")
    print(f"| 2 | {two:.1f} | {n * hour / two:.0f} | {compute_two:.1f} | {n * hour / compute_two:.0f} |")
    print(f"\nratio 2/1: {one / two:.2f} (wall), {compute_one / compute_two:.2f} (editing)\n")
    single = sum(singles) / len(singles)
    print("| per photo | s |")
    print("| --- | --- |")
    print(f"| separate `edit` runs (start-up and model load every photo, mean of {len(singles)}) | {single:.2f} |")
    print(f"| one batch, load amortised over {n} photos (wall / photos) | {one / n:.2f} |")
    print(f"| one batch, editing only | {compute_one / n:.2f} |")


if __name__ == "__main__":
    main()

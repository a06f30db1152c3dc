"""Benchmark (not a test): a first real-photo edit versus a second edit of the same photo.

The first edit inverts the photo (and stores the inversion in the disk cache); the second,
with the same source prompt, reads the inversion back and only edits. Prints both wall
times and their ratio for the tiny-random model on the CPU (or --model/--device).

    python benchmarks/bench_reedit.py [--size 256] [--steps 50] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny-random")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--size", type=int, default=256, help="photo side in pixels (multiple of 16)")
    parser.add_argument("--steps", type=int, default=50, help="inversion and editing steps")
    parser.add_argument("--max-sequence-length", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3, help="photos timed (the median is reported)")
    args = parser.parse_args()
    # A fresh, private app home: the disk caches start empty.
    os.environ["STABLE_FLOW_STUDIO_HOME"] = tempfile.mkdtemp(prefix="bench-reedit-")

    from core.engine import build_engine
    from core.model.loading import ModelSpec, load_model
    from core.session.session_editing import EditSession
    from tests.helpers import gradient_photo

    model = load_model(ModelSpec(model=args.model, device=args.device))
    engine = build_engine(model)
    options = dict(params={"steps": args.steps}, max_sequence_length=args.max_sequence_length)
    folder = Path(os.environ["STABLE_FLOW_STUDIO_HOME"])

    def timed(session: EditSession, root_id: str, prompt: str) -> tuple[float, float, int]:
        calls = model.transformer_calls
        wall, cpu = time.perf_counter(), time.process_time()
        session.edit(engine, root_id, [prompt], **options)
        return time.perf_counter() - wall, time.process_time() - cpu, model.transformer_calls - calls

    firsts, seconds = [], []
    for index in range(args.repeats + 1):  # photo 0 warms up the model and is not counted
        path = folder / f"photo{index}.png"
        gradient_photo(args.size, args.size, seed=index).save(path)
        session = EditSession()
        root = session.open_photo(path, "a photo of a street")
        first = timed(session, root.id, "a photo of a street in snow")
        second = timed(session, root.id, "a photo of a street at night")
        if index:
            firsts.append(first)
            seconds.append(second)
    first_wall, first_cpu = (statistics.median(t[i] for t in firsts) for i in (0, 1))
    second_wall, second_cpu = (statistics.median(t[i] for t in seconds) for i in (0, 1))
    print(f"model {args.model} on {model.device}, {args.size}x{args.size} photo, {args.steps} steps, "
          f"median of {args.repeats} photos (CPU time of this process in brackets)")
    print(f"first edit  (invert + edit): {first_wall:7.3f} s wall ({first_cpu:.3f} s CPU), "
          f"{firsts[0][2]} transformer calls")
    print(f"second edit (cached):        {second_wall:7.3f} s wall ({second_cpu:.3f} s CPU), "
          f"{seconds[0][2]} transformer calls")
    print(f"ratio second/first:          {second_wall / first_wall:.2f} wall ({second_cpu / first_cpu:.2f} CPU)")


if __name__ == "__main__":
    main()

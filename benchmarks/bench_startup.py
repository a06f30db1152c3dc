"""Start-up time to a visible window: the source version against the frozen app, same probe.

    python benchmarks/bench_startup.py [--frozen dist/stable-flow-studio/stable-flow-studio] [--runs 5]

Both run ``--startup-time`` (gui/startup_probe.py) in fresh processes, offscreen, in a
throw-away app home; the median of the runs is reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FROZEN = ROOT / "dist" / "stable-flow-studio" / "stable-flow-studio"


def median_startup(command: list[str], runs: int) -> tuple[float, bool]:
    """Median seconds to a painted window over ``runs`` fresh processes, and whether torch was loaded by then."""
    times, torch_loaded = [], False
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "STABLE_FLOW_STUDIO_HOME": home,
                   "HF_HUB_OFFLINE": "1"}
            output = subprocess.run([*command, "--startup-time"], cwd=ROOT, env=env, check=True,
                                    capture_output=True, text=True).stdout
        seconds, torch_flag = output.strip().splitlines()[-1].split()
        times.append(float(seconds))
        torch_loaded |= torch_flag == "torch=True"
    return statistics.median(times), torch_loaded


def main() -> int:
    """Measure and print both."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frozen", type=Path, default=DEFAULT_FROZEN)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    source, _ = median_startup([sys.executable, str(ROOT / "main.py")], args.runs)
    print(f"source version: {source:.2f} s to a visible window (median of {args.runs})")
    if args.frozen.is_file():
        frozen, _ = median_startup([str(args.frozen)], args.runs)
        print(f"frozen app:     {frozen:.2f} s to a visible window (median of {args.runs}); "
              f"ratio {frozen / source:.2f}")
    else:
        print(f"no frozen app at {args.frozen}: run python packaging/build.py first")
    return 0


if __name__ == "__main__":
    sys.exit(main())

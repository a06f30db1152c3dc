"""Start-up times: the editor's window (source against frozen app) and every command's ``--help``.

    python benchmarks/bench_startup.py [--frozen dist/stable-flow-studio/stable-flow-studio] [--runs 5]
                                       [--only window|cli] [--before CHECKOUT]

The window: both versions run ``--startup-time`` (gui/startup_probe.py) in fresh processes,
offscreen, in a throw-away app home; the median of the runs is reported. The command line:
``python -c "import torch"`` and ``main.py <command> --help`` for every command, interleaved
(every command once per round, as hyperfine's ``--runs`` with several commands), the median
wall time of each and its ratio to the torch import; with ``--before``, the same commands of
another checkout (e.g. ``git worktree add /tmp/before HEAD~1``) run in the same rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

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


def cli_help_times(runs: int, before: Optional[Path] = None) -> dict[str, float]:
    """Median wall seconds of ``import torch`` and of each command's ``--help`` (also in the
    checkout ``before``, e.g. a worktree of an earlier commit), interleaved over ``runs`` rounds."""
    sys.path.insert(0, str(ROOT))
    from cli.app import COMMANDS

    commands: dict[str, tuple[list[str], Path]] = {"python -c \"import torch\"": ([sys.executable, "-c",
                                                                                   "import torch"], ROOT)}
    for name in ("", *COMMANDS):
        argv = [sys.executable, "main.py", *([name] if name else []), "--help"]
        label = f"main.py {name} --help".replace("  ", " ")
        if before is not None:
            commands[f"before: {label}"] = (argv, before)
        commands[label] = (argv, ROOT)
    walls: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "STABLE_FLOW_STUDIO_HOME": home, "HF_HUB_OFFLINE": "1"}
        for _ in range(runs):
            for name, (command, folder) in commands.items():
                start = time.perf_counter()
                subprocess.run(command, cwd=folder, env=env, check=True, capture_output=True)
                walls[name].append(time.perf_counter() - start)
    return {name: statistics.median(times) for name, times in walls.items()}


def print_cli_table(times: dict[str, float], runs: int) -> None:
    """A Markdown table of the medians and their ratio to ``import torch``."""
    torch_import = next(iter(times.values()))
    print(f"| process (median of {runs}, interleaved) | seconds | / import torch |")
    print("| --- | --- | --- |")
    for name, seconds in times.items():
        print(f"| `{name}` | {seconds:.2f} | {seconds / torch_import:.2f}x |")


def main() -> int:
    """Measure and print the window start-up, the command line's, or both."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frozen", type=Path, default=DEFAULT_FROZEN)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=("window", "cli"), default=None)
    parser.add_argument("--before", type=Path, default=None, metavar="CHECKOUT",
                        help="also time the commands' --help in this checkout (an earlier version), interleaved")
    args = parser.parse_args()
    if args.only != "window":
        print_cli_table(cli_help_times(args.runs, args.before), args.runs)
    if args.only == "cli":
        return 0
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

"""Opening large projects in the real editor: seconds and the longest UI stall.

    python benchmarks/bench_large_project_ui.py [--nodes 5000]

Saves a chain and then a star of N results (tests/large_projects.py: 16x16 images, 1-step
trajectories), opens each in a real editor window on the tiny model (offscreen), and reports
the time until the project is shown and the longest lateness of a 10 ms UI timer meanwhile
(and beyond the time the UI thread waited for a free core), then the same while five results
are clicked in turn. The star is opened after the chain, so its figure includes letting the
chain's session go. ``--screenshot`` saves the window with the star open.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.bench_ui import StallMeter, measured_stalls, run_in_editor  # noqa: E402

CLICKS = 5


def main() -> int:
    """Measure and print one line per shape."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--screenshot", type=Path, help="save the window with the star open here")
    args = parser.parse_args()

    async def work(window, home: Path) -> None:
        from core.session.project_file import save_project
        from tests.large_projects import large_tree

        await window.controller.ready()
        for shape in ("chain", "star"):
            path = home / f"{shape}.sfproj"
            save_project(large_tree(args.nodes, shape), path)
            window.controller.mark_saved()  # no "save first?" question between the two
            elapsed, (stall, own) = await measured_stalls(window.controller.opened, lambda: window.open_path(path))
            meter = StallMeter()
            meter.armed = True
            for index in range(1, CLICKS + 1):
                window.controller.set_current(f"n{index * (args.nodes - 1) // CLICKS}")
                await asyncio.sleep(0.2)
            meter.stop()
            click_stall, click_own = meter.longest()
            print(f"{args.nodes}-result {shape}: shown in {elapsed:.2f} s, longest UI stall {stall * 1000:.0f} ms "
                  f"({own * 1000:.0f} ms beyond waiting for a core); {CLICKS} clicks: longest stall "
                  f"{click_stall * 1000:.0f} ms ({click_own * 1000:.0f} ms)", flush=True)

    run_in_editor(work, args.screenshot)
    return 0


if __name__ == "__main__":
    sys.exit(main())

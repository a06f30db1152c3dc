"""Opening large projects: seconds to load a saved chain and star of N results.

    python benchmarks/bench_project_load.py [--nodes 5000]

Builds each tree (16x16 images, 1-step trajectories, so the figure is the per-node overhead
of the file format, the checks and the tree, not PNG decoding), saves it, then times
``load_project`` into a fresh tree, in a throw-away app home.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    """Measure and print one line per shape."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["STABLE_FLOW_STUDIO_HOME"] = home
        from core.session.project_file import load_project, save_project
        from tests.large_projects import large_tree

        for shape in ("chain", "star"):
            path = Path(home) / f"{shape}.sfproj"
            started = time.perf_counter()
            tree = large_tree(args.nodes, shape)
            built = time.perf_counter() - started
            started = time.perf_counter()
            save_project(tree, path)
            saved = time.perf_counter() - started
            started = time.perf_counter()
            loaded = load_project(path)
            load_seconds = time.perf_counter() - started
            assert len(loaded.nodes()) == args.nodes
            print(f"{shape:5} {args.nodes} nodes: build {built:.2f} s, save {saved:.2f} s, "
                  f"load {load_seconds:.2f} s ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

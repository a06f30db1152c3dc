"""Build the frozen one-folder app with PyInstaller, then smoke-test it.

    python packaging/build.py              # build dist/stable-flow-studio/ and run its --self-test
    python packaging/build.py --no-smoke   # build only

The torch inside the build is whatever torch this Python has: see packaging/README.md for
the CPU and CUDA variants. Model weights are never bundled.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_info import APP_ID, DIST_DIR, EXECUTABLE, FROZEN_DIR, ROOT  # noqa: E402
from icons import render_all  # noqa: E402


def folder_size_mb(folder: Path) -> float:
    """Total size of the files below ``folder`` in MB."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / 1e6


def build(work_dir: Path) -> Path:
    """Run PyInstaller on the spec; returns the frozen folder."""
    render_all(ROOT / "packaging" / "build-icons")
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
               "--distpath", str(DIST_DIR), "--workpath", str(work_dir),
               str(ROOT / "packaging" / "stable_flow_studio.spec")]
    subprocess.run(command, check=True, cwd=ROOT)
    return FROZEN_DIR


def smoke_env(home: Path) -> dict[str, str]:
    """An offline, offscreen environment with its own app home (no network, no model)."""
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", HF_HUB_OFFLINE="1", STABLE_FLOW_STUDIO_HOME=str(home),
               HF_HOME=str(home / "hf"))
    return env


def run_frozen(argument: str, executable: Path = EXECUTABLE, timeout: int = 600) -> str:
    """Run the frozen app with one check flag, offscreen and offline; its stdout, or exit on failure."""
    with tempfile.TemporaryDirectory(prefix=f"{APP_ID}-smoke-") as home:
        result = subprocess.run([str(executable), argument], env=smoke_env(Path(home)), capture_output=True,
                                text=True, timeout=timeout)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"{argument} of the frozen app failed (exit {result.returncode})")
    return result.stdout.strip()


def smoke_test(executable: Path = EXECUTABLE) -> None:
    """The self-test (a generated and a photo edit), a first start without a model, the start-up time."""
    print(run_frozen("--self-test", executable))
    print("first start, offline, no model:", run_frozen("--first-run-check", executable))
    print(f"frozen app start-up to a visible window: {run_frozen('--startup-time', executable)} s")


def main() -> int:
    """Build, report the size, smoke-test."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-smoke", action="store_true", help="skip the --self-test run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pyinstaller-work-") as work:
        started = time.perf_counter()
        folder = build(Path(work))
    print(f"built {folder} in {time.perf_counter() - started:.0f} s ({folder_size_mb(folder):.0f} MB)")
    if not args.no_smoke:
        smoke_test()
    return 0


if __name__ == "__main__":
    sys.exit(main())

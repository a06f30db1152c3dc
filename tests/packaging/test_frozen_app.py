"""The Linux frozen app builds from a clean checkout and passes its self-test (slow: minutes)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def frozen_app(tmp_path_factory) -> Path:
    """Build dist/stable-flow-studio/ in a fresh clone of this checkout (committed files only)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to clone")
    pytest.importorskip("PyInstaller")
    clone = tmp_path_factory.mktemp("clean") / "src"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    result = subprocess.run([sys.executable, "packaging/build.py"], cwd=clone, capture_output=True, text=True,
                            timeout=2400)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "self-test passed" in result.stdout
    return clone / "dist" / "stable-flow-studio" / "stable-flow-studio"


def test_frozen_app_passes_its_self_test(frozen_app):
    assert frozen_app.is_file()


def test_frozen_app_runs_a_headless_edit(frozen_app, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "STABLE_FLOW_STUDIO_HOME": str(tmp_path / "home"),
           "HF_HUB_OFFLINE": "1", "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([str(frozen_app), "edit", "--model", "tiny-random", "--height", "64", "--width", "64",
                             "--prompts", "a dog", "a cat", "--output", str(tmp_path / "out")],
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "1.png").is_file() and (tmp_path / "out" / "grid.png").is_file()

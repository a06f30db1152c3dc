"""benchmarks/gpu_check.sh: the CPU dry run (--tiny) of the one-shot GPU check, so it cannot rot."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "gpu_check.sh"


def _run(args, out: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OUT": str(out), "PYTHON": sys.executable, "OMP_NUM_THREADS": "1"}
    return subprocess.run(["bash", str(SCRIPT), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1200)


def test_the_dry_run_measures_every_configuration_and_writes_json_and_markdown(tmp_path):
    result = _run(["--tiny"], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "gpu_check.json").read_text())
    runs = {run["name"]: run for run in report["runs"]}
    assert list(runs) == ["bf16", "fp8", "group offload + fp8, GPU capped to 24 GB"]
    assert [r["config"] for r in runs["bf16"]["reports"]] == ["eager", "fused-qkv", "fused-qkv+compile"]
    assert (runs["group offload + fp8, GPU capped to 24 GB"]["cap_gb"], runs["fp8"]["weights"]) == (24.0, "fp8")
    for run in runs.values():
        assert run["error"] is None
        for bench in run["reports"]:
            names = [m["name"] for m in bench["measurements"]]
            assert names[0] == "stock FluxPipeline, same batch" and "first photo edit" in names
    table = (tmp_path / "gpu_check.md").read_text()
    assert "| run | config | operation | seconds | ms/step | peak GB | passes |" in table
    assert "| bf16 | fused-qkv+compile | re-edit, cached inversion + K/V |" in table
    assert "| group offload + fp8, GPU capped to 24 GB | eager | first photo edit |" in table


def test_without_a_gpu_the_full_check_says_to_use_the_dry_run(tmp_path):
    result = _run([], tmp_path)
    assert result.returncode == 2
    assert "no CUDA GPU here; use --tiny for the CPU dry run" in result.stderr

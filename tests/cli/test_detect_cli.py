"""``python main.py detect-vital-layers``: result files, registration, stop and resume, and one line per bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

import cli.detect_command as detect_command
from cli.app import run_cli
from core.model.vital_layers import BlockLayout, shipped_vital_layers, vital_layers_for

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--model", "tiny-random", "--metric-model", "tiny-random", "--steps", "2", "--height", "48", "--width", "48",
        "--max-sequence-length", "16"]
TINY = BlockLayout(2, 4)


@pytest.fixture
def prompts_file(tmp_path):
    path = tmp_path / "prompts.txt"
    path.write_text("a red apple on a table\na dog in a park\na boat on a lake\n", encoding="utf-8")
    return path


def _detect(*args):
    return run_cli(["detect-vital-layers", *FAST, *args])


def test_result_chart_images_and_registration(tmp_path, prompts_file, capsys):
    result_path = tmp_path / "out" / "tiny.json"
    code = _detect("--prompts-file", str(prompts_file), "--num-prompts", "2", "--top-k", "3", "--batch-size", "2",
                   "--save-images", str(tmp_path / "images"), "--output", str(result_path))
    assert code == 0, capsys.readouterr().err
    result = json.loads(result_path.read_text())
    params = result["parameters"]
    assert result["model"] == "tiny-random" and (result["num_double"], result["num_single"]) == (2, 4)
    assert params["prompts"] == ["a red apple on a table", "a dog in a park"]
    assert [params[name] for name in ("steps", "guidance", "seed", "batch_size", "top_k")] == [2, 3.5, 0, 2, 3]
    assert params["metric_model"] == "tiny-random" and params["threshold"] is None
    layers = result["layers"]
    assert [entry["layer"] for entry in layers] == list(range(6))
    for entry in layers:
        column = [row[entry["layer"]] for row in result["similarities"]]
        assert entry["mean_similarity"] == pytest.approx(sum(column) / 2)
        assert entry["vitality"] == pytest.approx(1 - entry["mean_similarity"])
    assert result["ranking"] == sorted(range(6), key=lambda layer: (-layers[layer]["vitality"], layer))
    chosen = result["chosen"]
    assert chosen["layers"] == sorted(result["ranking"][:3])
    assert (chosen["double_blocks"], chosen["single_blocks"]) == TINY.split(chosen["layers"])
    with Image.open(result_path.with_suffix(".png")) as chart:
        assert chart.width >= 640
    assert sorted(p.name for p in result_path.parent.iterdir()) == ["tiny.json", "tiny.png"]  # no partial left
    assert len(list((tmp_path / "images").glob("p*/*.png"))) == 2 * 7
    assert "--register-result" in capsys.readouterr().out

    # Not registered yet: edits use the shipped set. Registering the result changes that.
    assert vital_layers_for("tiny-random", TINY) == shipped_vital_layers("tiny-random", TINY)
    assert run_cli(["detect-vital-layers", "--register-result", str(result_path)]) == 0
    assert vital_layers_for("tiny-random", TINY) == tuple(chosen["layers"])
    assert "registered for tiny-random" in capsys.readouterr().out


def test_register_flag_saves_a_threshold_choice(tmp_path, prompts_file):
    result_path = tmp_path / "t.json"
    code = _detect("--prompts-file", str(prompts_file), "--num-prompts", "1", "--threshold", "0", "--register",
                   "--output", str(result_path))
    assert code == 0
    result = json.loads(result_path.read_text())
    assert result["chosen"]["layers"] == [e["layer"] for e in result["layers"] if e["vitality"] > 0]
    assert vital_layers_for("tiny-random", TINY) == tuple(result["chosen"]["layers"])


class _StopAfter:
    """A progress display that presses Ctrl-C after a number of steps."""

    def __init__(self, steps):
        self.steps = steps

    def __call__(self, event):
        if event.step == self.steps:
            raise KeyboardInterrupt

    def close(self):
        pass


def test_stop_then_resume_gives_the_uninterrupted_result(tmp_path, prompts_file, monkeypatch, capsys):
    common = ["--prompts-file", str(prompts_file), "--top-k", "2", "--batch-size", "2"]
    assert _detect(*common, "--output", str(tmp_path / "whole.json")) == 0
    interrupted = tmp_path / "stopped.json"
    with monkeypatch.context() as patch:
        patch.setattr(detect_command, "TerminalProgress", lambda: _StopAfter(9))
        assert _detect(*common, "--output", str(interrupted)) == 130
    err = capsys.readouterr().err
    assert "run the same command with --resume" in err and "Traceback" not in err
    assert not interrupted.exists() and (tmp_path / "stopped.partial.json").exists()

    assert _detect(*common, "--output", str(interrupted)) == 2
    assert "pass --resume to continue it" in capsys.readouterr().err
    assert _detect(*common, "--steps", "3", "--output", str(interrupted), "--resume") == 2
    assert "(steps was 2, now 3)" in capsys.readouterr().err

    assert _detect(*common, "--output", str(interrupted), "--resume") == 0
    whole, resumed = (json.loads(p.read_text()) for p in (tmp_path / "whole.json", interrupted))
    assert resumed["similarities"] == whole["similarities"]
    assert resumed["chosen"] == whole["chosen"] and resumed["ranking"] == whole["ranking"]
    assert not (tmp_path / "stopped.partial.json").exists()


def _one_line_error(capsys, *args):
    code = run_cli(["detect-vital-layers", *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


def test_bad_input_gives_one_clear_line(tmp_path, prompts_file, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    out = ["--output", str(tmp_path / "r.json")]
    prompts = ["--prompts-file", str(prompts_file)]
    assert "model folder not found" in _one_line_error(capsys, *FAST, "--model", str(tmp_path / "no-model"), *out)
    assert "prompts file not found" in _one_line_error(capsys, *FAST, "--prompts-file", str(tmp_path / "no.txt"))
    assert "has no prompts" in _one_line_error(capsys, *FAST, "--prompts-file", str(empty))
    too_many = _one_line_error(capsys, *FAST, *prompts, "--top-k", "7", *out)
    assert "--top-k 7 is more than this model's 6 blocks" in too_many
    assert "--top-k 10 is more than" in _one_line_error(capsys, *FAST, *prompts, *out)  # the default
    assert "not allowed with argument --top-k" in _one_line_error(capsys, *FAST, "--top-k", "3", "--threshold", "0.1")
    assert "more than the 3 prompts" in _one_line_error(capsys, *FAST, *prompts, "--num-prompts", "4")
    assert "multiple of 16" in _one_line_error(capsys, *FAST, *prompts, "--height", "50")
    assert "metric model folder not found" in _one_line_error(
        capsys, *FAST, *prompts, "--metric-model", str(tmp_path / "nodino"))
    assert "is not a vital-layer detection result" in _one_line_error(capsys, "--register-result", str(prompts_file))
    assert "detection result not found" in _one_line_error(capsys, "--register-result", str(tmp_path / "none.json"))


def test_readme_command_runs_in_a_fresh_process(tmp_path):
    result = subprocess.run(
        [sys.executable, "main.py", "detect-vital-layers", "--model", "tiny-random", "--metric-model", "tiny-random",
         "--num-prompts", "2", "--top-k", "3", "--steps", "2", "--height", "48", "--width", "48",
         "--output", str(tmp_path / "tiny.json")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""
    assert "vital layers of tiny-random:" in result.stdout
    assert (tmp_path / "tiny.json").is_file() and (tmp_path / "tiny.png").is_file()

"""The command line answers --help and usage errors without loading torch or the model libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.app import COMMANDS, run_cli

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "diffusers", "transformers")
PROBE = (
    "import json, os, sys, main\n"
    "code = main.main(sys.argv[1:])\n"
    f"print(json.dumps({{'code': code, 'heavy': [name for name in {HEAVY!r} if name in sys.modules]}}))\n"
    "print(os.environ.get('TORCHINDUCTOR_CACHE_DIR'))\n"
)


def _probe(*argv: str, env: dict | None = None) -> tuple[dict, subprocess.CompletedProcess]:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)
    return json.loads(done.stdout.strip().splitlines()[-2]), done


CASES = [
    (["--help"], 0),
    *[([name, "--help"], 0) for name in COMMANDS],
    (["edit", "--prompts", "a dog", "a cat"], 2),  # --output missing
    (["edit", "--prompts", "a", "b", "--output", "o", "--method", "nope"], 2),
    (["batch", "--input", "in", "--output", "out"], 2),  # neither --prompts, --recipe nor --from-project
    (["batch", "--input", "in", "--output", "out", "--prompts", "a", "b", "--compile=yes"], 2),
    (["chain", "--edits", "a cat"], 2),  # --output missing
    (["compare", "--input-image", "p.png", "--prompts", "a photo"], 2),  # two prompts needed
    (["detect-vital-layers", "--top-k", "3", "--threshold", "0.1"], 2),  # one of the two
    (["bench", "--steps", "many"], 2),
    (["train-demo-model"], 2),  # --output missing
]


@pytest.mark.parametrize("argv, code", CASES, ids=[" ".join(argv) for argv, _ in CASES])
def test_help_and_usage_errors_import_no_model_library(argv, code):
    result, done = _probe(*argv)
    assert result == {"code": code, "heavy": []}, done.stderr
    if code:
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_its_full_help(name, capsys):
    assert run_cli([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: main.py {name}") and "--" in out


def test_the_edit_methods_are_the_engines_methods():
    from cli.edit_command import METHOD_OPTIONS
    from core.methods.registry import METHODS

    assert list(METHOD_OPTIONS) == list(METHODS)


def test_compiled_kernels_go_to_the_app_cache_unless_the_user_chose_a_folder(isolated_home, tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "TORCHINDUCTOR_CACHE_DIR"}
    _, done = _probe("--help", env=env)
    assert Path(done.stdout.strip().splitlines()[-1]).is_relative_to(isolated_home)
    _, done = _probe("--help", env={**env, "TORCHINDUCTOR_CACHE_DIR": str(tmp_path / "mine")})
    assert done.stdout.strip().splitlines()[-1] == str(tmp_path / "mine")

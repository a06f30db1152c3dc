"""``edit --preview`` (labelled fast preview) and the speed options on the command line."""

from __future__ import annotations

import dataclasses

import pytest

from cli.app import run_cli
from core.api.requests import EditRequest
from core.batch.report import REPORT_NAME, read_report
from core.methods.preview_mode import preview_request
from core.storage.png_files import read_recipe
from tests.core.batch_helpers import photo_folder
from tests.helpers import gradient_photo


@pytest.mark.parametrize("method, image, params, steps", [
    ("stable-flow", False, {}, 4),  # 15 generated steps: a quarter is below the minimum of 4
    ("stable-flow", True, {}, 12),  # 50 for a photo
    ("flowedit", True, {"n_max": None}, 7),
    ("sdedit", True, {"steps": 40}, 10),
    ("dual", True, {"steps": 3}, 3),  # never more than the full count
])
def test_a_preview_reads_fewer_text_tokens_and_runs_fewer_steps(method, image, params, steps):
    photo = gradient_photo(32, 32) if image else None
    request = EditRequest(method=method, source_prompt="a", target_prompts=("b",), image=photo, params=params)
    preview = preview_request(request)
    assert preview.params["steps"] == steps and preview.max_sequence_length == 128
    assert request.params == params and request.max_sequence_length == 512  # the full request is untouched
    assert preview_request(dataclasses.replace(request, max_sequence_length=32)).max_sequence_length == 32


def test_a_preview_of_a_known_result_keeps_its_steps(tiny_model):
    from core.methods.stable_flow.editing import generate_edits

    known = generate_edits(tiny_model, ["a dog", "a cat"], height=32, width=32, seed=0, vital_layers=(0,), steps=5,
                           max_sequence_length=16).trajectories[1]
    request = EditRequest(method="stable-flow", source_prompt="a cat", target_prompts=("a bird",), source=known)
    assert "steps" not in preview_request(request).params and preview_request(request).max_sequence_length == 128


def test_edit_preview_is_labelled_and_full_quality_is_the_same_command_without_it(tmp_path, capsys):
    photo = tmp_path / "photo.png"
    gradient_photo(48, 32).save(photo)
    base = ["edit", "--model", "tiny-random", "--input-image", str(photo), "--prompts", "a photo", "a photo at night",
            "--inversion-steps", "8"]
    assert run_cli([*base, "--preview", "--output", str(tmp_path / "preview")]) == 0
    assert "fast preview (128 text tokens, 4 steps)" in capsys.readouterr().out
    recipe = read_recipe(tmp_path / "preview" / "1.png")
    assert recipe["preview"] is True and recipe["params"]["steps"] == 4 and recipe["max_sequence_length"] == 128

    assert run_cli([*base, "--output", str(tmp_path / "full")]) == 0
    assert "fast preview" not in capsys.readouterr().out
    recipe = read_recipe(tmp_path / "full" / "1.png")
    assert recipe["preview"] is False and recipe["params"]["steps"] == 8 and recipe["max_sequence_length"] == 512


def test_an_unavailable_attention_backend_is_one_line(tmp_path, capsys):
    code = run_cli(["edit", "--model", "tiny-random", "--prompts", "a", "b", "--height", "32", "--width", "32",
                    "--output", str(tmp_path), "--attention-backend", "no-such"])
    err = capsys.readouterr().err
    assert code == 2 and err.strip().splitlines() == [err.strip()] and "attention backend 'no-such'" in err


def _batch_args(tmp_path) -> list[str]:
    photo_folder(tmp_path / "in", 1)
    return ["batch", "--model", "tiny-random", "--max-sequence-length", "16", "--input", str(tmp_path / "in"),
            "--output", str(tmp_path / "out"), "--prompts", "a photo of {stem}", "a photo of a cat", "--steps", "2"]


def test_batch_compiles_when_asked_and_a_rerun_without_it_redoes_the_photos(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SFS_COMPILE_BACKEND", "eager")  # the same graphs and guards, without generating kernels
    args = _batch_args(tmp_path)
    assert run_cli([*args, "--compile"]) == 0
    assert "compiling the transformer" in capsys.readouterr().err
    assert read_report(tmp_path / "out" / REPORT_NAME)["model"]["speed"] == "compile"
    assert run_cli(args) == 0  # compiled results differ in the last bits: not reused by a plain run
    assert "1 of 1 photos done (0 from an earlier run)" in capsys.readouterr().out
    assert "speed" not in read_report(tmp_path / "out" / REPORT_NAME)["model"]


def test_batch_refuses_an_unavailable_attention_backend_in_one_line(tmp_path, capsys):
    code = run_cli([*_batch_args(tmp_path), "--attention-backend", "no-such"])
    err = capsys.readouterr().err
    assert code == 2 and err.strip().splitlines() == [err.strip()] and "attention backend 'no-such'" in err

"""``python main.py batch``: prompts, recipes and projects; one line for bad input; accelerate's processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli.app import run_cli
from core.batch.report import REPORT_NAME, read_report
from core.engine import Engine
from core.session.session_editing import EditSession
from core.storage.png_files import read_recipe
from tests.core.batch_helpers import photo_folder

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--model", "tiny-random", "--max-sequence-length", "16"]
PROMPTS = ["--prompts", "a photo of {stem}", "a photo of a cat", "--steps", "3"]


def _batch(tmp_path, *args):
    return run_cli(["batch", *FAST, "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"), *args])


def test_prompts_edit_every_photo_and_a_rerun_reuses_the_results(tmp_path, capsys):
    photo_folder(tmp_path / "in", 3)
    assert _batch(tmp_path, *PROMPTS) == 0, capsys.readouterr().err
    assert "3 of 3 photos done (0 from an earlier run), 0 failed" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [REPORT_NAME, "p0-1.png", "p1-1.png", "p2-1.png"]
    assert _batch(tmp_path, *PROMPTS) == 0
    assert "3 of 3 photos done (3 from an earlier run)" in capsys.readouterr().out


def test_a_glob_with_a_corrupt_photo_reports_it_and_exits_2(tmp_path, capsys):
    photo_folder(tmp_path / "in", 2)
    (tmp_path / "in" / "bad.png").write_bytes(b"not a png")
    code = run_cli(["batch", *FAST, "--input", str(tmp_path / "in" / "*.png"), "--output", str(tmp_path / "out"),
                    *PROMPTS])
    out = capsys.readouterr().out
    assert code == 2 and "1 of 2 photos done" in out and "1 failed" in out and "bad.png:" in out
    assert [p["status"] for p in read_report(tmp_path / "out" / REPORT_NAME)["photos"]] == ["failed", "done"]


def test_from_project_replays_the_chain_to_the_node(tmp_path, tiny_model, capsys):
    photo_folder(tmp_path / "in", 2)
    session = EditSession()
    root = session.open_photo(tmp_path / "in" / "p0.png", "a photo of a street")
    engine = Engine(tiny_model)
    (first,) = session.edit(engine, root.id, ["a photo of a dog"], params={"steps": 3}, max_sequence_length=16)
    (second,) = session.edit(engine, first.id, ["a painting of a dog"], seed=5, max_sequence_length=16)
    session.edit(engine, root.id, ["a photo of a bird"], params={"steps": 3}, max_sequence_length=16)  # a branch
    project = session.save(tmp_path / "p.sfproj")
    code = _batch(tmp_path, "--from-project", str(project), "--node", second.id)
    assert code == 0, capsys.readouterr().err
    recipe = read_recipe(tmp_path / "out" / "p1-2.png")
    assert [step["prompt"] for step in recipe["chain"]] == ["a photo of a dog", "a painting of a dog"]
    assert recipe["seed"] == 5 and recipe["original"]["prompt"] == "a photo of a street"
    # the project's own photo gets the same results as the project (same chain, same seeds)
    from PIL import Image

    with Image.open(tmp_path / "out" / "p0-2.png") as image:
        assert image.convert("RGB").tobytes() == session.tree.image(second.id).tobytes()


@pytest.mark.parametrize("size", ["nan", "inf", "0", "1e-12"])
def test_a_senseless_latent_cache_size_gives_one_line_before_any_model_loads(tmp_path, capsys, size):
    """The same rule as every command's (core.storage.cache_sizes): NaN once passed batch's own check."""
    photo_folder(tmp_path / "in", 1)
    code = run_cli(["batch", "--model", str(tmp_path / "no-model"), "--input", str(tmp_path / "in"),
                    "--output", str(tmp_path / "out"), "--prompts", "a photo", "a cat",
                    "--latent-cache-gb", size])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--latent-cache-gb must be from" in err, err


@pytest.mark.parametrize(
    "recipe, message",
    [
        ({"edits": []}, "no edits"),
        ({"edits": [{"prompt": "a cat", "params": {"steps": float("nan")}}]}, "finite number"),
        ({"edits": [{"prompt": "a cat", "method": "paint"}]}, "unknown method"),
        ({"edits": [{"prompt": "a cat", "method": "flowedit", "params": {"guidance": 3}}]}, "has no parameter"),
        ({"edits": [{"prompt": "a cat", "method": "sdedit", "params": {"strength": 2}}]}, "edit 1: strength"),
        ({"edits": [{"prompt": "a cat", "seed": -1}]}, "seed of edit 1"),
        ({"edits": [{"prompt": "a cat"}], "max_pixels": "big"}, "max_pixels"),
        ({"edits": [{"prompts": ["a", "b"]}, {"prompt": "c"}]}, "each edit of a chain has one prompt"),
        ({"edits": [{"prompt": "a cat"}], "shell": "rm"}, "unknown field 'shell'"),
        ([1, 2], "JSON object"),
    ],
)
def test_a_bad_recipe_file_gives_one_line_before_any_model_loads(tmp_path, capsys, recipe, message):
    photo_folder(tmp_path / "in", 1)
    path = tmp_path / "recipe.json"
    path.write_text(json.dumps(recipe))
    code = run_cli(["batch", "--model", str(tmp_path / "no-model"), "--input", str(tmp_path / "in"),
                    "--output", str(tmp_path / "out"), "--recipe", str(path), "--source-prompt", "a photo"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err, err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--prompts", "a photo"], "at least two prompts"),
        (["--prompts", "a photo", "a cat", "--node", "abc"], "--node goes with --from-project"),
        (["--prompts", "a photo", "a cat", "--source-prompt", "x"], "--source-prompt is not needed"),
        (["--recipe", "r.json", "--steps", "3"], "--steps goes with --prompts"),
        (["--from-project", "missing.sfproj"], "project file not found"),
        (["--prompts", "a photo", "a cat", "--descriptions", "missing.csv"], "cannot read the descriptions"),
    ],
)
def test_bad_arguments_give_one_line(tmp_path, capsys, args, message):
    photo_folder(tmp_path / "in", 1)
    code = _batch(tmp_path, *args)
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err, err


def test_an_empty_folder_says_so(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    assert _batch(tmp_path, *PROMPTS) == 2
    assert "no photos in" in capsys.readouterr().err


@pytest.mark.slow
def test_accelerate_launch_with_two_processes_does_every_photo_once_like_one_process(tmp_path, isolated_home):
    photo_folder(tmp_path / "in", 6)
    env = {**os.environ, "STABLE_FLOW_STUDIO_HOME": str(isolated_home), "OMP_NUM_THREADS": "1",
           "MASTER_PORT": str(29500 + os.getpid() % 1000)}
    accelerate = shutil.which("accelerate", path=str(Path(sys.executable).parent)) or "accelerate"
    command = [accelerate, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
               "--mixed_precision", "no", "--dynamo_backend", "no", "--main_process_port", env["MASTER_PORT"],
               "main.py", "batch", *FAST, "--input", str(tmp_path / "in"), "--output", str(tmp_path / "two"),
               *PROMPTS, "--device", "cpu"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = read_report(tmp_path / "two" / REPORT_NAME)
    assert report["processes"] == 2 and [p["status"] for p in report["photos"]] == ["done"] * 6
    assert sorted(p["process"] for p in report["photos"]) == [0, 0, 0, 1, 1, 1]
    assert not list((tmp_path / "two").glob(".batch-part-*"))
    assert run_cli(["batch", *FAST, "--input", str(tmp_path / "in"), "--output", str(tmp_path / "one"),
                    *PROMPTS, "--device", "cpu"]) == 0
    names = sorted(p.name for p in (tmp_path / "one").glob("*.png"))
    assert names == sorted(p.name for p in (tmp_path / "two").glob("*.png")) and len(names) == 6
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


def test_edit_with_an_auto_description_captions_the_photo(tmp_path, capsys):
    photo_folder(tmp_path / "in", 1)
    out = tmp_path / "edit"
    code = run_cli(["edit", *FAST, "--input-image", str(tmp_path / "in" / "p0.png"), "--source-prompt", "auto",
                    "--prompts", "a photo of a cat", "--steps", "3", "--caption-model", "tiny-random-florence2",
                    "--output", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    caption = printed.out.split("description (auto): ", 1)[1].splitlines()[0]
    assert caption and read_recipe(out / "1.png")["prompts"] == [caption, "a photo of a cat"]


def test_auto_without_a_photo_or_model_gives_one_line(tmp_path, capsys):
    assert run_cli(["edit", *FAST, "--prompts", "auto", "a cat", "--output", str(tmp_path / "o")]) == 2
    assert "'auto' describes a photo" in capsys.readouterr().err
    photo_folder(tmp_path / "in", 1)
    code = _batch(tmp_path, "--prompts", "auto", "a cat", "--steps", "3")
    err = capsys.readouterr().err
    assert code == 2 and "not downloaded" in err and len(err.strip().splitlines()) == 1


def test_batch_auto_descriptions_come_from_the_captioner(tmp_path, capsys):
    photo_folder(tmp_path / "in", 2)
    assert _batch(tmp_path, "--prompts", "auto", "a cat", "--steps", "3",
                  "--caption-model", "tiny-random-florence2") == 0, capsys.readouterr().err
    report = read_report(tmp_path / "out" / REPORT_NAME)
    assert all(p["source_prompt"] and p["source_prompt"] != "auto" for p in report["photos"])
    assert report["model"]["captioner"] == "tiny-random-florence2"


def test_a_recipe_file_chain_with_a_descriptions_csv(tmp_path, capsys):
    photo_folder(tmp_path / "in", 2)
    recipe = {"source_prompt": "a photo of a {stem}",
              "edits": [{"prompt": "a photo in winter", "method": "stable-flow", "params": {"steps": 3}, "seed": 42},
                        {"prompt": "a watercolor painting in winter", "seed": 7}],
              "max_pixels": 4096, "max_sequence_length": 16}
    (tmp_path / "look.json").write_text(json.dumps(recipe))
    (tmp_path / "descriptions.csv").write_text('file,description\np1.jpg,"a photo of a red, old house"\n')
    code = run_cli(["batch", "--model", "tiny-random", "--input", str(tmp_path / "in"), "--output",
                    str(tmp_path / "out"), "--recipe", str(tmp_path / "look.json"), "--descriptions",
                    str(tmp_path / "descriptions.csv")])
    assert code == 0, capsys.readouterr().err
    report = read_report(tmp_path / "out" / REPORT_NAME)
    assert [p["source_prompt"] for p in report["photos"]] == ["a photo of a p0", "a photo of a red, old house"]
    assert [p["outputs"] for p in report["photos"]] == [["p0-1.png", "p0-2.png"], ["p1-1.png", "p1-2.png"]]
    second = read_recipe(tmp_path / "out" / "p1-2.png")
    assert second["source_prompt"] == "a photo in winter" and second["seed"] == 7
    assert second["original"]["prompt"] == "a photo of a red, old house"


@pytest.mark.slow
def test_a_killed_batch_rerun_does_each_photo_once_and_gives_the_same_files(tmp_path, isolated_home):
    import signal
    import time

    photo_folder(tmp_path / "in", 4)
    args = [*FAST, "--input", str(tmp_path / "in"), "--prompts", "a photo of {stem}", "a photo of a cat",
            "--steps", "30"]
    env = {**os.environ, "STABLE_FLOW_STUDIO_HOME": str(isolated_home), "OMP_NUM_THREADS": "1"}
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "main.py", "batch", *args, "--output", str(out)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 600
        while not (out / "p0-1.png").exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)  # the first photo is done, the second is being edited
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    before = {p.name for p in out.glob("*.png")}
    assert "p0-1.png" in before and len(before) < 4, before
    assert run_cli(["batch", *args, "--output", str(out)]) == 0
    report = read_report(out / REPORT_NAME)
    assert [p["status"] for p in report["photos"]] == ["done"] * 4
    assert {p["outputs"][0] for p in report["photos"] if p["resumed"]} == before  # done before: not redone
    assert run_cli(["batch", *args, "--output", str(tmp_path / "straight")]) == 0
    for name in ("p0-1.png", "p1-1.png", "p2-1.png", "p3-1.png"):
        assert (out / name).read_bytes() == (tmp_path / "straight" / name).read_bytes(), name


def test_the_model_loads_once_for_the_whole_batch(tmp_path, monkeypatch, capsys):
    import core.model.loading

    loads = []
    real_load = core.model.loading.load_model
    monkeypatch.setattr(core.model.loading, "load_model", lambda spec: loads.append(spec) or real_load(spec))
    photo_folder(tmp_path / "in", 3)
    assert _batch(tmp_path, *PROMPTS) == 0, capsys.readouterr().err
    assert len(loads) == 1 and len(list((tmp_path / "out").glob("*.png"))) == 3

"""``python main.py chain``: edits applied one after another, the session saved, nothing lost on a kill."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from cli.app import run_cli
from core.session.autosave import autosave_root, find_autosave, restore_autosave
from core.session.project_file import load_project
from core.storage.paths import cache_dir
from core.storage.png_files import read_recipe
from tests.helpers import gradient_photo

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--model", "tiny-random", "--max-sequence-length", "16"]


def _same(path: Path, image) -> bool:
    with Image.open(path) as saved:
        return saved.convert("RGB").tobytes() == image.tobytes() and saved.size == image.size


@pytest.fixture
def photo(tmp_path) -> Path:
    path = tmp_path / "photo.jpg"
    gradient_photo(100, 70).save(path)
    return path


def test_a_photo_chain_edits_each_result_and_saves_the_session(tmp_path, photo, capsys):
    out = tmp_path / "out"
    code = run_cli(["chain", *FAST, "--input-image", str(photo), "--source-prompt", "a photo of a street",
                    "--edits", "a photo of a dog", "a photo of a dog in snow", "a painting of a dog",
                    "--steps", "3", "--output", str(out)])
    assert code == 0, capsys.readouterr().err
    tree = load_project(out / "session.sfproj")
    path = tree.path_to(tree.current_id)
    assert [n.prompt for n in path] == ["a photo of a street", "a photo of a dog", "a photo of a dog in snow",
                                        "a painting of a dog"]
    assert [n.source_prompt for n in path[1:]] == [n.prompt for n in path[:-1]]
    assert len(tree.nodes()) == 4
    for k, node in enumerate(path):
        assert _same(out / f"step{k}.png", tree.image(node.id))
    assert tree.image(path[0].id).size == (96, 64) and path[0].original_size == (100, 70)
    recipe = read_recipe(out / "step2.png")
    assert recipe["prompts"] == ["a photo of a dog", "a photo of a dog in snow"] and recipe["params"]["steps"] == 3
    assert len(list((cache_dir() / "latents").glob("*.safetensors"))) == 1  # only the photo was inverted
    assert not any(autosave_root().iterdir())  # a clean finish leaves no autosave behind


def test_a_generated_chain_inverts_nothing(tmp_path, capsys):
    session_file = tmp_path / "elsewhere" / "chain.sfproj"
    code = run_cli(["chain", *FAST, "--prompt", "a photo of a dog", "--edits", "a photo of a dog wearing a hat",
                    "a photo of a cat wearing a hat", "--steps", "3", "--height", "48", "--width", "64",
                    "--output", str(tmp_path / "out"), "--session", str(session_file)])
    assert code == 0, capsys.readouterr().err
    tree = load_project(session_file)
    assert [n.kind for n in tree.path_to(tree.current_id)] == ["generated", "edit", "edit"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["step0.png", "step1.png", "step2.png"]
    assert not (cache_dir() / "latents").exists() or not any((cache_dir() / "latents").iterdir())


@pytest.mark.parametrize(
    "args, message",
    [
        (["--edits", "a cat"], "one of the two"),
        (["--prompt", "a dog", "--input-image", "x.png", "--source-prompt", "a", "--edits", "a cat"], "one of the two"),
        (["--input-image", "x.png", "--edits", "a cat"], "--source-prompt is needed"),
        (["--prompt", "a dog", "--source-prompt", "a dog", "--edits", "a cat"], "goes with --input-image"),
        (["--prompt", "a dog", "--edits", "a cat", " "], "edit prompt 2 is empty"),
        (["--prompt", "a dog", "--edits", "a cat", "--height", "50"], "multiple of 16"),
        (["--prompt", "a dog", "--edits", "a cat", "--height", "100000"], "--height must be a multiple of 16 from"),
        (["--prompt", "a dog", "--edits", "a cat", "--seed", str(2**70)], "seed must be a whole number from 0"),
        (["--prompt", "a dog", "--edits", "a cat", "--steps", "1000000"], "--steps must be a whole number from 1"),
        (["--prompt", "a dog", "--edits", "a cat", "--latent-cache-gb", "nan"], "--latent-cache-gb must be from"),
        (["--prompt", "a dog", "--edits", "a cat", "--latent-cache-gb", "inf"], "--latent-cache-gb must be from"),
        (["--prompt", "a dog", "--edits", "a cat", "--latent-cache-gb", "1e-12"], "--latent-cache-gb must be from"),
        (["--input-image", "missing.png", "--source-prompt", "a", "--edits", "b"], "image not found"),
    ],
)
def test_bad_arguments_give_one_line(tmp_path, capsys, args, message):
    code = run_cli(["chain", *FAST, "--output", str(tmp_path / "o"), *args])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err, err
    assert not autosave_root().exists() or not any(autosave_root().iterdir())


def test_a_model_that_cannot_load_leaves_no_autosave_behind(tmp_path, photo, capsys):
    code = run_cli(["chain", "--model", str(tmp_path / "no-model"), "--input-image", str(photo),
                    "--source-prompt", "a photo", "--edits", "a cat", "--output", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "model folder not found" in err and len(err.strip().splitlines()) == 1
    assert not any(autosave_root().iterdir())


def test_killing_the_process_during_an_edit_loses_no_finished_result(tmp_path, photo, isolated_home):
    out = tmp_path / "out"
    env = {**os.environ, "STABLE_FLOW_STUDIO_HOME": str(isolated_home), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "main.py", "chain", *FAST, "--input-image", str(photo), "--source-prompt", "a photo",
         "--edits", "a photo of a cat", "a photo of a dog", "a photo of a bird", "a photo of a fox",
         "a photo of a cow", "--steps", "12", "--output", str(out)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        for line in process.stdout:
            if line.startswith("step2.png"):  # two edits finished, the third is running
                process.send_signal(signal.SIGKILL)
                break
        process.wait(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL, process.stderr.read()
    assert not (out / "session.sfproj").exists() and not (out / "step5.png").exists()
    folder = find_autosave()
    assert folder is not None
    tree = restore_autosave(folder)
    path = tree.path_to(tree.current_id)
    assert [n.prompt for n in path][:3] == ["a photo", "a photo of a cat", "a photo of a dog"]
    finished = sorted(out.glob("step*.png"))  # a result is autosaved before its PNG is written
    assert len(finished) >= 3 and len(path) >= len(finished)
    for k in range(len(finished)):
        assert _same(out / f"step{k}.png", tree.image(path[k].id))

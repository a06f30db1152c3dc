"""``python main.py edit``: results on disk, and one clear line for every bad input."""

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from cli.app import run_cli
from core.storage.png_files import read_recipe
from tests.helpers import gradient_photo

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--model", "tiny-random", "--max-sequence-length", "32"]


def test_readme_command_runs_in_a_fresh_process(tmp_path):
    out = tmp_path / "x"
    result = subprocess.run(
        [sys.executable, "main.py", "edit", "--model", "tiny-random", "--prompts", "a photo of a dog",
         "a photo of a cat", "--output", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.strip() == ""
    for name in ("0.png", "1.png", "grid.png"):
        assert (out / name).is_file()
    with Image.open(out / "1.png") as image:
        assert image.size == (1024, 1024)
    recipe = read_recipe(out / "1.png")
    assert recipe["prompts"] == ["a photo of a dog", "a photo of a cat"] and recipe["seed"] == 42


def test_photo_edit_at_non_square_size_with_research_flag_spellings(tmp_path):
    photo = tmp_path / "photo.jpg"
    gradient_photo(100, 70).save(photo)
    code = run_cli(["edit", *FAST, "--input_img_path", str(photo), "--output_path", str(tmp_path / "o"),
                    "--inversion-steps", "3", "--prompts", "a photo", "a photo at night", "a photo in snow"])
    assert code == 0
    sizes = [Image.open(tmp_path / "o" / f"{i}.png").size for i in range(3)]
    assert sizes == [(96, 64)] * 3
    with Image.open(tmp_path / "o" / "grid.png") as grid:
        assert grid.size[0] > 3 * 96


def _bad(capsys, *args):
    code = run_cli(["edit", *args])
    err = capsys.readouterr().err
    assert code != 0
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--prompts", "only one"], "at least two prompts"),
        (["--prompts", "a dog", "  "], "is empty"),
        (["--prompts", "a dog", "a cat", "--vital-layers", "0,6"], "valid indices are 0 to 5"),
        (["--prompts", "a dog", "a cat", "--vital-layers", "zero"], "whole numbers"),
        (["--prompts", "a dog", "a cat", "--height", "100"], "multiple of 16"),
        (["--prompts", "a dog", "a cat", "--guidance", "-1"], "must not be negative"),
        (["--prompts", "a dog", "a cat", "--steps", "1000000"], "steps must be a whole number from 1 to 1000"),
        (["--prompts", "a dog", "a cat", "--height", "100000"], "height must be a multiple of 16 from 16 to 4096"),
        (["--prompts", "a dog", "a cat", "--width", "0"], "width must be a multiple of 16 from 16 to 4096"),
        (["--prompts", "a dog", "a cat", "--seed", str(2**64)], "seed must be a whole number from 0"),
        (["--prompts", "a dog", "a cat", "--seed", "-1"], "seed must be a whole number from 0"),
        (["--prompts", "a dog", "a cat", "--guidance", "nan"], "guidance must be a finite number"),
        (["--prompts", "a dog", "a cat", "--guidance", "inf"], "guidance must be a finite number"),
        (["--prompts", "a dog", "a cat", "--method", "dual", "--nudging", "nan"], "nudging must be a finite number"),
        (["--prompts", "a dog", "a cat", "--method", "dual", "--nudging", "inf"], "nudging must be a finite number"),
        (["--prompts", "a dog", "a cat", "--max-sequence-length", "100000"], "between 1 and 512"),
        (["--prompts", "a dog", "a cat", "--max-pixels", "10"], "pixel budget must be from 256"),
    ],
)
def test_bad_arguments(tmp_path, capsys, args, message):
    err = _bad(capsys, *FAST, "--output", str(tmp_path), *args)
    assert message in err


def test_bad_images_and_models(tmp_path, capsys):
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    assert "not found" in _bad(capsys, *FAST, "--output", str(tmp_path), "--input-image", str(tmp_path / "no.jpg"),
                               "--prompts", "a", "b")
    assert "corrupt.png" in _bad(capsys, *FAST, "--output", str(tmp_path), "--input-image", str(corrupt),
                                 "--prompts", "a", "b")
    assert "not found" in _bad(capsys, "--model", str(tmp_path / "no-model"), "--output", str(tmp_path),
                               "--prompts", "a", "b")
    assert "required" in _bad(capsys, "--prompts", "a", "b")


def test_bad_input_in_a_real_process_prints_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "main.py", "edit", "--model", "tiny-random", "--prompts", "just one", "--output",
         str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: give at least two prompts: first the one describing the image, then one or more edits"
    ]


def test_check_inversion_writes_the_reconstruction_and_prints_its_psnr(tmp_path, capsys):
    photo = tmp_path / "photo.png"
    gradient_photo(64, 64).save(photo)
    out = tmp_path / "o"
    code = run_cli(["edit", *FAST, "--input-image", str(photo), "--output", str(out), "--steps", "3",
                    "--check-inversion", "--prompts", "a photo", "a photo at night"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "Inversion check: the photo comes back at PSNR" in printed and "wrote inversion-check.png" in printed
    with Image.open(out / "inversion-check.png") as image:
        assert image.size == (64, 64)
    assert read_recipe(out / "inversion-check.png")["inversion_check"].startswith("Inversion check")


def test_check_inversion_needs_a_photo_and_stable_flow(tmp_path, capsys):
    assert run_cli(["edit", *FAST, "--output", str(tmp_path / "o"), "--check-inversion",
                    "--prompts", "a", "b"]) != 0
    assert "--check-inversion checks the inversion of a photo: give --input-image" in capsys.readouterr().err
    assert run_cli(["edit", *FAST, "--output", str(tmp_path / "o"), "--method", "sdedit", "--check-inversion",
                    "--prompts", "a", "b"]) != 0
    assert "--check-inversion does not apply to --method sdedit" in capsys.readouterr().err

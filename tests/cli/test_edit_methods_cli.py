"""``python main.py edit --method ...``: every method from the command line, its own options
only, and FlowAlign's reverse edit."""

import re

import numpy as np
import pytest
from PIL import Image

from cli.app import run_cli
from cli.reverse_edit import mean_absolute_error, psnr
from core.storage.png_files import read_recipe
from tests.helpers import gradient_photo

FAST = ["--model", "tiny-random", "--max-sequence-length", "16"]


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.png"
    gradient_photo(100, 70).save(path)
    return path


@pytest.mark.parametrize(
    "method, options, params",
    [
        ("flowedit", ["--steps", "4", "--n-max", "3", "--n-min", "1", "--n-avg", "2", "--source-guidance", "1",
                      "--target-guidance", "4"],
         {"steps": 4, "n_max": 3, "n_min": 1, "n_avg": 2, "source_guidance": 1.0, "target_guidance": 4.0}),
        ("flowalign", ["--steps", "3", "--zeta", "0.1", "--target-guidance", "4", "--true-cfg", "2"],
         {"steps": 3, "zeta": 0.1, "source_guidance": 1.0, "target_guidance": 4.0, "true_cfg": 2.0}),
        ("sdedit", ["--steps", "4", "--strength", "0.5", "--guidance", "2"],
         {"steps": 4, "strength": 0.5, "guidance": 2.0}),
        ("dual", ["--steps", "3", "--inversion-guidance", "0", "--target-guidance", "2", "--nudging", "1.1"],
         {"steps": 3, "inversion_guidance": 0.0, "target_guidance": 2.0, "nudging": 1.1, "inversion_prompt": "source"}),
    ],
)
def test_each_method_edits_a_photo_with_its_own_options(tmp_path, photo, capsys, method, options, params):
    out = tmp_path / "out"
    code = run_cli(["edit", *FAST, "--method", method, *options, "--input-image", str(photo), "--output", str(out),
                    "--prompts", "a photo", "a photo of a cat", "a photo at night"])
    assert code == 0, capsys.readouterr().err
    assert [Image.open(out / f"{i}.png").size for i in range(3)] == [(96, 64)] * 3
    recipe = read_recipe(out / "2.png")
    assert recipe["method"] == method and recipe["params"] == params and recipe["row"] == 2


def test_a_generated_source_works_for_the_new_methods(tmp_path, capsys):
    code = run_cli(["edit", *FAST, "--method", "sdedit", "--steps", "3", "--height", "48", "--width", "64",
                    "--output", str(tmp_path), "--prompts", "a dog", "a cat"])
    assert code == 0, capsys.readouterr().err
    assert Image.open(tmp_path / "0.png").size == (64, 48)


def _refused(capsys, tmp_path, *args):
    code = run_cli(["edit", *FAST, "--output", str(tmp_path), "--prompts", "a dog", "a cat", *args])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--method", "flowedit", "--zeta", "0.1"], "--zeta does not apply to --method flowedit (its options: --steps,"),
        (["--method", "sdedit", "--vital-layers", "0,1"], "--vital-layers does not apply to --method sdedit"),
        (["--method", "dual", "--reverse"], "--reverse does not apply to --method dual"),
        (["--strength", "0.5"], "--strength does not apply to --method stable-flow"),
        (["--method", "flowalign", "--guidance", "3"], "--guidance does not apply to --method flowalign"),
        (["--method", "sdedit", "--strength", "1.5"], "strength must be more than 0 and at most 1 (got 1.5)"),
        (["--method", "sdedit", "--strength", "0"], "strength must be more than 0 and at most 1 (got 0)"),
        (["--method", "flowedit", "--n-max", "30"], "n max (30) must not be more than steps (28)"),
        (["--method", "flowedit", "--steps", "6", "--n-max", "7"], "n max (7) must not be more than steps (6)"),
        (["--method", "flowalign", "--target-guidance", "-1"], "target guidance must not be negative"),
        (["--method", "dual", "--steps", "0"], "steps must be a whole number from 1 to 1000"),
        (["--method", "magic"], "invalid choice: 'magic'"),
    ],
)
def test_bad_method_options_are_refused_with_one_line(tmp_path, capsys, args, message):
    assert message in _refused(capsys, tmp_path, *args)


def test_reverse_flowalign_runs_end_to_end_and_reports_psnr_and_error(tmp_path, photo, capsys):
    out = tmp_path / "out"
    code = run_cli(["edit", *FAST, "--method", "flowalign", "--steps", "4", "--reverse", "--input-image", str(photo),
                    "--output", str(out), "--prompts", "a photo", "a photo of a cat"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    match = re.search(r"reverse edit 1: PSNR ([\d.]+) dB, mean absolute error ([\d.]+) \(of 255\)", captured.out)
    assert match, captured.out
    original, reverse = Image.open(out / "0.png"), Image.open(out / "reverse-1.png")
    assert reverse.size == original.size == (96, 64)
    assert float(match.group(1)) == pytest.approx(psnr(reverse, original), abs=0.01)
    assert float(match.group(2)) == pytest.approx(mean_absolute_error(reverse, original), abs=0.01)
    assert read_recipe(out / "reverse-1.png")["reverse_of"] == 1

    # the reverse edit is FlowAlign from the edited image with the prompts swapped
    again = tmp_path / "again"
    assert run_cli(["edit", *FAST, "--method", "flowalign", "--steps", "4", "--input-image", str(out / "1.png"),
                    "--output", str(again), "--prompts", "a photo of a cat", "a photo"]) == 0
    assert np.array_equal(np.asarray(Image.open(again / "1.png")), np.asarray(reverse))


def test_image_distances():
    black, grey = Image.new("RGB", (4, 4)), Image.new("RGB", (4, 4), (10, 10, 10))
    assert psnr(black, black) == float("inf") and mean_absolute_error(black, grey) == 10
    assert psnr(black, grey) == pytest.approx(10 * np.log10(255**2 / 100))

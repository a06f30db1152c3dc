"""``python main.py compare``: every method on one photo, each result and a labelled grid."""

import numpy as np
import pytest
from PIL import Image

from cli.app import run_cli
from core.storage.png_files import read_recipe
from tests.helpers import gradient_photo

FAST = ["--model", "tiny-random", "--max-sequence-length", "16"]
METHODS = ["stable-flow", "flowedit", "flowalign", "sdedit", "dual"]


def test_compare_writes_every_method_and_a_labelled_grid(tmp_path, capsys):
    photo = tmp_path / "photo.jpg"
    gradient_photo(100, 70).save(photo)
    out = tmp_path / "out"
    code = run_cli(["compare", *FAST, "--input-image", str(photo), "--prompts", "a photo", "a photo of a cat",
                    "--methods", ",".join(METHODS), "--steps", "3", "--output", str(out)])
    assert code == 0, capsys.readouterr().err
    for method in METHODS:
        assert Image.open(out / f"{method}.png").size == (96, 64)
        recipe = read_recipe(out / f"{method}.png")
        assert recipe["method"] == method and recipe["params"]["steps"] == 3
    source = np.asarray(Image.open(out / "source.png"))
    grid = np.asarray(Image.open(out / "grid.png").convert("RGB"))
    label_height = grid.shape[0] - 64
    assert label_height > 0 and grid.shape[1] >= 6 * 96
    assert np.array_equal(grid[label_height:, :96], source)  # the source tile comes first, under its label
    labels = grid[:label_height]
    assert (labels < 128).any() and (labels == 255).any()  # dark text on white


def test_compare_keeps_the_given_order_and_drops_repeats(tmp_path, capsys):
    photo = tmp_path / "photo.png"
    gradient_photo(64, 48).save(photo)
    code = run_cli(["compare", *FAST, "--input-image", str(photo), "--prompts", "a photo", "a cat",
                    "--methods", "sdedit, dual,sdedit", "--steps", "2", "--output", str(tmp_path / "o")])
    assert code == 0, capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["dual.png", "grid.png", "sdedit.png", "source.png"]
    assert capsys.readouterr().out.splitlines()[:2] == ["sdedit: wrote sdedit.png", "dual: wrote dual.png"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--methods", "flowedit,magic"], "unknown editing method 'magic'"),
        (["--methods", " , "], "--methods names no method"),
        (["--steps", "0"], "steps must be a whole number from 1 to 1000"),
        (["--prompts", "only one"], "expected 2 arguments"),
    ],
)
def test_bad_compare_options_are_refused_with_one_line(tmp_path, capsys, args, message):
    photo = tmp_path / "photo.png"
    gradient_photo(64, 48).save(photo)
    base = ["compare", *FAST, "--input-image", str(photo), "--output", str(tmp_path / "o")]
    if "--prompts" not in args:
        base += ["--prompts", "a photo", "a cat"]
    code = run_cli([*base, *args])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err, err
    assert not (tmp_path / "o").exists()

"""``edit --mask PATH``: white is edited, every other pixel is the photo's; bad masks get one line."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from cli.app import run_cli
from core.flux.masks import load_mask_file, mask_array
from core.storage.png_files import read_recipe
from tests.helpers import gradient_photo

FAST = ["--model", "tiny-random", "--max-sequence-length", "16", "--method", "sdedit", "--steps", "3"]


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.png"
    gradient_photo(100, 70).save(path)
    return path


def _mask_file(path, size, box, mode="L"):
    mask = Image.new(mode, size, 0)
    if box is not None:
        ImageDraw.Draw(mask).rectangle(box, fill=255 if mode == "L" else (255, 255, 255))
    mask.save(path)
    return path


def test_a_mask_at_the_photos_size_restricts_the_edit(tmp_path, photo):
    mask = _mask_file(tmp_path / "mask.png", (100, 70), (50, 0, 99, 69), mode="RGB")
    out = tmp_path / "o"
    code = run_cli(["edit", *FAST, "--input-image", str(photo), "--mask", str(mask), "--output", str(out),
                    "--prompts", "a photo", "a photo of a red car"])
    assert code == 0
    source, edit = (np.asarray(Image.open(out / f"{i}.png").convert("RGB")) for i in (0, 1))
    weights = mask_array(load_mask_file(mask, (96, 64), (100, 70)))
    assert np.array_equal(edit[weights == 0], source[weights == 0])
    assert not np.array_equal(edit[weights == 1], source[weights == 1])
    assert read_recipe(out / "1.png")["mask"] == "mask.png"


@pytest.mark.parametrize("make, message", [
    (lambda tmp: tmp / "missing.png", "mask not found"),
    (lambda tmp: _mask_file(tmp / "black.png", (100, 70), None), "the mask is empty"),
    (lambda tmp: _mask_file(tmp / "wide.png", (200, 70), (0, 0, 10, 10)), "not the photo's size (100x70 or 96x64)"),
    (lambda tmp: (tmp / "text.png").write_text("not an image") and tmp / "text.png", "not a mask image"),
])
def test_a_bad_mask_gives_one_clear_line_before_the_model_loads(tmp_path, photo, capsys, make, message):
    code = run_cli(["edit", *FAST, "--input-image", str(photo), "--mask", str(make(tmp_path)),
                    "--output", str(tmp_path / "o"), "--prompts", "a photo", "a photo of a cat"])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err and len(err.strip().splitlines()) == 1 and message in err, err

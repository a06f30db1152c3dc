"""Opening whatever photos users throw at the editor."""

import io

import numpy as np
import pytest
from PIL import Image

from core.errors import InputImageError
from core.images import load_image, resize_to_working_size, working_size


@pytest.mark.parametrize(
    "size, budget, expected",
    [
        ((1024, 1024), 1024 * 1024, (1024, 1024)),
        ((1024, 768), 1024 * 1024, (1024, 768)),
        ((1000, 750), 1024 * 1024, (992, 736)),
        ((4000, 3000), 1024 * 1024, (1168, 880)),
        ((3000, 4000), 1024 * 1024, (880, 1168)),
        ((640, 480), 256 * 256, (288, 208)),
    ],
)
def test_working_size_keeps_aspect_and_budget(size, budget, expected):
    width, height = working_size(*size, max_pixels=budget)
    assert (width, height) == expected
    assert width % 16 == 0 and height % 16 == 0 and width * height <= budget


def test_conforming_image_is_not_resized():
    image = Image.new("RGB", (96, 64))
    assert resize_to_working_size(image) is image


def test_too_thin_image_is_refused():
    with pytest.raises(InputImageError, match="too small"):
        working_size(2000, 10)


def test_exif_rotation_is_applied(tmp_path):
    image = Image.new("RGB", (80, 40), (255, 0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    path = tmp_path / "rotated.jpg"
    image.save(path, exif=exif)
    assert load_image(path).size == (40, 80)


def test_cmyk_16bit_alpha_and_palette_images_become_rgb(tmp_path):
    cmyk = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (32, 32), (0, 255, 255, 0)).save(cmyk)
    loaded = load_image(cmyk)
    assert loaded.mode == "RGB" and loaded.getpixel((5, 5))[0] > 200

    deep = tmp_path / "deep.png"
    Image.fromarray(np.full((32, 32), 65535, dtype=np.uint16)).save(deep)
    assert load_image(deep).getpixel((1, 1)) == (255, 255, 255)

    clear = tmp_path / "alpha.png"
    Image.new("RGBA", (32, 32), (0, 0, 0, 0)).save(clear)
    assert load_image(clear).getpixel((0, 0)) == (255, 255, 255)

    palette = tmp_path / "palette.gif"
    Image.new("P", (32, 32), 3).save(palette)
    assert load_image(palette).mode == "RGB"


def test_missing_folder_garbage_and_truncated_files_give_clear_errors(tmp_path):
    with pytest.raises(InputImageError, match="not found"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(InputImageError, match="folder"):
        load_image(tmp_path)
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"this is not a picture")
    with pytest.raises(InputImageError, match="not an image"):
        load_image(garbage)
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (10, 200, 30)).save(buffer, format="PNG")
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(InputImageError, match="corrupt or truncated"):
        load_image(truncated)


def test_decompression_bomb_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    path = tmp_path / "big.png"
    Image.new("RGB", (100, 100)).save(path)
    with pytest.raises(InputImageError, match="too large"):
        load_image(path)

"""Opening whatever photos users throw at the editor."""

import io

import numpy as np
import pytest
from PIL import Image

from core.api.errors import InputImageError
from core.storage.photos import load_image, resize_to_working_size, working_size
from tests.helpers import gradient_photo


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


# How a picture stored with each EXIF orientation is shown (the EXIF 2.3 definitions), as the
# inverse: the array to store so that the display is ``upright``.
STORED_FOR_ORIENTATION = {
    1: lambda upright: upright,
    2: np.fliplr,  # shown mirrored left-right
    3: lambda upright: np.rot90(upright, 2),
    4: np.flipud,
    5: lambda upright: upright.transpose(1, 0, 2),  # mirrored across the main diagonal
    6: lambda upright: np.rot90(upright, 1),  # shown turned 90 degrees clockwise
    7: lambda upright: np.rot90(upright.transpose(1, 0, 2), 2),  # mirrored across the other diagonal
    8: lambda upright: np.rot90(upright, -1),  # shown turned 90 degrees counter-clockwise
}


@pytest.mark.parametrize("orientation", sorted(STORED_FOR_ORIENTATION))
def test_every_exif_orientation_shows_the_picture_upright(tmp_path, orientation):
    upright = np.asarray(gradient_photo(48, 32, seed=orientation))  # asymmetric in both directions
    stored = np.ascontiguousarray(STORED_FOR_ORIENTATION[orientation](upright))
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "oriented.png"
    Image.fromarray(stored, "RGB").save(path, exif=exif)
    assert np.array_equal(np.asarray(load_image(path)), upright)


def test_dark_16bit_and_32bit_photos_keep_their_brightness(tmp_path):
    ramp = np.tile(np.linspace(0, 13107, 64).round().astype(np.uint16), (16, 1))  # 0 to 20 % of white
    deep = tmp_path / "dark16.png"
    Image.fromarray(ramp).save(deep)
    with Image.open(deep) as opened:
        assert opened.mode.startswith("I")
    loaded = np.asarray(load_image(deep))[..., 0].astype(int)
    assert np.abs(loaded - np.round(ramp / 257.0)).max() <= 1 and loaded.max() == 51
    nearly_black = tmp_path / "black16.png"
    Image.fromarray(np.tile(np.arange(0, 201, 8, dtype=np.uint16), (16, 1))).save(nearly_black)
    assert np.asarray(load_image(nearly_black)).max() <= 1  # 200 of 65535 is black, not white
    wide = tmp_path / "dark32.tiff"
    Image.fromarray(ramp.astype(np.int32), "I").save(wide)
    assert np.abs(np.asarray(load_image(wide))[..., 0].astype(int) - np.round(ramp / 257.0)).max() <= 1


def test_float_photos_are_read_as_0_to_1(tmp_path):
    ramp = np.tile(np.linspace(0.0, 0.8, 32, dtype=np.float32), (16, 1))
    ramp[0, :3] = [np.nan, np.inf, -np.inf]  # never crashes the conversion
    path = tmp_path / "float.tiff"
    Image.fromarray(ramp, "F").save(path)
    loaded = np.asarray(load_image(path))[..., 0].astype(int)
    assert loaded[5, -1] == 204 and loaded[5, 0] == 0  # 0.8 is light grey, not black
    assert np.abs(loaded[1:] - np.round(ramp[1:] * 255)).max() <= 1
    assert loaded[0, :3].tolist() == [0, 255, 0]


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


def test_an_upright_rgb_photo_is_used_as_decoded_not_copied(tmp_path, monkeypatch):
    # A copy of a 12000x9000 photo is 430 MB; making and freeing it held Python's lock long
    # enough to stall the editor's window (issue 12), so an upright RGB photo is not copied.
    decoded = []
    real_open = Image.open

    def recording_open(*args, **kwargs):
        decoded.append(real_open(*args, **kwargs))
        return decoded[-1]

    monkeypatch.setattr(Image, "open", recording_open)
    path = tmp_path / "photo.png"
    gradient_photo(48, 32).save(path)
    photo = load_image(path)
    assert photo is decoded[0] and photo.mode == "RGB" and photo.size == (48, 32)
    assert np.array_equal(np.asarray(photo), np.asarray(gradient_photo(48, 32)))


def test_an_animated_photo_is_still_usable_after_its_file_is_closed(tmp_path):
    path = tmp_path / "animated.png"
    first, second = Image.new("RGB", (32, 32), (200, 10, 10)), Image.new("RGB", (32, 32), (10, 10, 200))
    first.save(path, save_all=True, append_images=[second])
    photo = load_image(path)
    assert photo.getpixel((3, 3)) == (200, 10, 10)
    assert resize_to_working_size(photo.resize((64, 48))).size == (64, 48)

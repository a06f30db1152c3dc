"""Mask files, checks, recipes' mask text and the pixel composite (no model needed)."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from core.api.errors import InputImageError, ParameterError
from core.flux.masks import (
    composite, compose_full_size, feather, load_mask_file, mask_array, mask_from_text, mask_image, mask_to_text,
    scaled_mask,
)
from tests.helpers import gradient_photo


def test_composite_is_exact_where_the_mask_is_zero_or_one():
    keep, edit = gradient_photo(32, 16, seed=1), gradient_photo(32, 16, seed=2)
    mask = np.zeros((16, 32), np.float32)
    mask[:, 16:] = 1
    mask[:, 15] = 0.5
    out = np.asarray(composite(edit, keep, mask))
    assert np.array_equal(out[:, :15], np.asarray(keep)[:, :15])
    assert np.array_equal(out[:, 16:], np.asarray(edit)[:, 16:])
    half = (np.asarray(keep, np.float32)[:, 15] + np.asarray(edit, np.float32)[:, 15]) / 2
    assert np.abs(out[:, 15] - half).max() <= 0.5


def test_an_8_bit_mask_round_trips_through_floats_and_recipe_text():
    mask = Image.fromarray(np.arange(256, dtype=np.uint8).reshape(16, 16), "L")
    assert mask_image(mask_array(mask)).tobytes() == mask.tobytes()
    assert mask_from_text(mask_to_text(mask), (16, 16)).tobytes() == mask.tobytes()


@pytest.mark.parametrize("text", [None, 3, "not base64!", base64.b64encode(b"not a png").decode()])
def test_mask_text_that_is_not_a_mask_is_refused(text):
    with pytest.raises(ValueError):
        mask_from_text(text)


def test_mask_text_of_an_rgb_image_or_another_size_is_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    with pytest.raises(ValueError, match="8-bit grayscale"):
        mask_from_text(base64.b64encode(buffer.getvalue()).decode())
    with pytest.raises(ValueError, match="not 8x8"):
        mask_from_text(mask_to_text(Image.new("L", (4, 4))), (8, 8))


def test_a_mask_file_with_transparency_counts_transparent_as_keep(tmp_path):
    rgba = Image.new("RGBA", (20, 10), (255, 255, 255, 0))
    rgba.paste((255, 255, 255, 255), (10, 0, 20, 10))
    rgba.save(tmp_path / "m.png")
    mask = mask_array(load_mask_file(tmp_path / "m.png", (20, 10)))
    assert mask[:, :10].max() == 0 and mask[:, 10:].min() == 1


def test_a_mask_at_the_original_size_is_scaled_to_the_working_size(tmp_path):
    Image.new("L", (200, 100), 255).save(tmp_path / "m.png")
    assert load_mask_file(tmp_path / "m.png", (96, 48), (200, 100)).size == (96, 48)
    with pytest.raises(InputImageError, match="not the photo's size"):
        load_mask_file(tmp_path / "m.png", (96, 48))


def test_feathering_softens_only_near_the_edge():
    mask = Image.new("L", (40, 40), 0)
    mask.paste(255, (10, 10, 30, 30))
    soft = np.asarray(feather(mask, 2))
    assert soft[20, 20] == 255 and soft[0, 0] == 0 and 0 < soft[20, 10] < 255
    with pytest.raises(ParameterError, match="feather radius"):
        feather(mask, -1)


def test_full_size_composition_keeps_the_original_outside_every_mask():
    original = gradient_photo(300, 200, seed=5)
    steps = []
    for box in ((0, 0, 20, 20), (40, 30, 60, 48)):
        mask = Image.new("L", (64, 48), 0)
        mask.paste(255, box)
        steps.append((gradient_photo(64, 48, seed=len(steps) + 7), feather(mask, 1.5)))
    out = np.asarray(compose_full_size(original, steps))
    keep = np.all([scaled_mask(mask, (300, 200)) == 0 for _, mask in steps], axis=0)
    assert np.array_equal(out[keep], np.asarray(original)[keep])
    inside = scaled_mask(steps[1][1], (300, 200)) == 1
    upscaled = np.asarray(steps[1][0].resize((300, 200), Image.LANCZOS), np.int16)
    assert np.abs(out[inside].astype(np.int16) - upscaled[inside]).max() <= 1  # the edit scaled up, inside
    assert compose_full_size(original, [(steps[0][0], Image.new("L", (64, 48)))]).tobytes() == original.tobytes()

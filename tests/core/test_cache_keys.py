"""Cache keys: every input that changes a cached result changes its key, one field at a time."""

from dataclasses import replace

import pytest
import torch
from PIL import Image

from core.storage.cache_keys import (
    INVERSION_KEY_FIELDS,
    ModelIdentity,
    _key,
    folder_fingerprint,
    inversion_key,
    prompt_key,
    source_kv_key,
)
from core.api.trajectory import Trajectory
from tests.helpers import gradient_photo

MODEL = ModelIdentity("black-forest-labs/FLUX.1-dev", "main", None, "model", "torch.bfloat16", "cuda")
# Each model field changed alone.
MODEL_CHANGES = {
    "model": replace(MODEL, model="black-forest-labs/FLUX.1-schnell"),
    "revision": replace(MODEL, revision="0123abcd"),
    "fingerprint": replace(MODEL, fingerprint="f" * 64),
    "weights": replace(MODEL, weights="fp8"),
    "dtype": replace(MODEL, dtype="torch.float32"),
    "device": replace(MODEL, device="cpu"),
}
PHOTO = gradient_photo(32, 32, seed=1)
INVERSION = dict(prompt="a photo", steps=50, nudging=1.15, guidance=1.0, max_sequence_length=512)


def _other_photo() -> Image.Image:
    image = PHOTO.copy()
    image.putpixel((3, 4), (0, 0, 0))  # one pixel differs
    return image


def _inversion_variants():
    yield "image", inversion_key(_other_photo(), MODEL, **INVERSION)
    for name, model in MODEL_CHANGES.items():
        yield name, inversion_key(PHOTO, model, **INVERSION)
    for name, value in dict(prompt="a photo of a dog", steps=49, nudging=1.0, guidance=3.5,
                            max_sequence_length=256).items():
        yield name, inversion_key(PHOTO, MODEL, **{**INVERSION, name: value})


def test_every_inversion_input_changes_the_key_alone():
    base = inversion_key(PHOTO, MODEL, **INVERSION)
    assert inversion_key(PHOTO.copy(), MODEL, **INVERSION) == base  # same inputs, same key
    keys = dict(_inversion_variants())
    assert set(keys) | {"format"} == set(INVERSION_KEY_FIELDS)
    assert [name for name, key in keys.items() if key == base] == []
    assert len(set(keys.values())) == len(keys)


def _source(latents=None, sigmas=None, prompt="a photo", guidance=1.0) -> Trajectory:
    generator = torch.Generator().manual_seed(0)
    latents = torch.randn(5, 4, 64, generator=generator) if latents is None else latents
    sigmas = torch.linspace(1, 0, 5) if sigmas is None else sigmas
    return Trajectory(latents, sigmas, 32, 32, prompt, guidance)


def test_every_source_kv_input_changes_the_key_alone():
    source = _source()
    options = dict(vital_layers=(0, 1, 17), max_sequence_length=512)
    base = source_kv_key(source, MODEL, **options)
    nudged = source.latents.clone()
    nudged[2, 1, 5] += 1e-3
    variants = {
        "latents": source_kv_key(_source(latents=nudged), MODEL, **options),
        "sigmas": source_kv_key(_source(sigmas=torch.linspace(1, 0, 5) ** 2), MODEL, **options),
        "prompt": source_kv_key(_source(prompt="a photo of a dog"), MODEL, **options),
        "guidance": source_kv_key(_source(guidance=3.0), MODEL, **options),
        "vital_layers": source_kv_key(source, MODEL, vital_layers=(0, 1, 18), max_sequence_length=512),
        "max_sequence_length": source_kv_key(source, MODEL, vital_layers=(0, 1, 17), max_sequence_length=77),
        "dtype of the latents": source_kv_key(_source(latents=source.latents.to(torch.float64)), MODEL, **options),
        **{name: source_kv_key(source, model, **options) for name, model in MODEL_CHANGES.items()},
    }
    assert [name for name, key in variants.items() if key == base] == []
    assert len(set(variants.values())) == len(variants)


def test_every_prompt_key_input_changes_it_but_fp8_transformer_weights_do_not():
    base = prompt_key(MODEL, prompt="a dog", max_sequence_length=512)
    variants = {
        "prompt": prompt_key(MODEL, prompt="a cat", max_sequence_length=512),
        "max_sequence_length": prompt_key(MODEL, prompt="a dog", max_sequence_length=77),
        **{name: prompt_key(model, prompt="a dog", max_sequence_length=512)
           for name, model in MODEL_CHANGES.items() if name != "weights"},
    }
    assert [name for name, key in variants.items() if key == base] == []
    # The text encoders are not quantised: FP8 transformer weights share the embeddings.
    assert prompt_key(MODEL_CHANGES["weights"], prompt="a dog", max_sequence_length=512) == base


def test_a_key_with_fields_other_than_declared_is_refused():
    with pytest.raises(ValueError, match="differ from the declared"):
        _key("inversion", INVERSION_KEY_FIELDS, {"format": 2, "image": "x"})


def test_a_local_folder_fingerprint_follows_its_weight_files(tmp_path):
    (tmp_path / "transformer").mkdir()
    weights = tmp_path / "transformer" / "model.safetensors"
    weights.write_bytes(b"x" * 100)
    first = folder_fingerprint(tmp_path)
    assert folder_fingerprint(tmp_path) == first
    weights.write_bytes(b"y" * 101)  # replaced in place by another checkpoint
    assert folder_fingerprint(tmp_path) != first

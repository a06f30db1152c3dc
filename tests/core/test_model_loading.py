"""Model loading: local folders, tiny-random, and one clear line for every failure."""

import os

import pytest
import torch

from core.api.errors import ModelLoadError, ParameterError
from core.model.loading import ModelSpec, load_model
from core.model.tiny_flux import build_tiny_flux_pipeline


def test_tiny_random_is_identical_in_every_build():
    a, b = build_tiny_flux_pipeline(), build_tiny_flux_pipeline()
    for (name, p), (_, q) in zip(a.transformer.named_parameters(), b.transformer.named_parameters()):
        assert torch.equal(p, q), name


def test_local_diffusers_folder_loads_and_matches(tmp_path, tiny_model):
    tiny_model.pipeline.save_pretrained(tmp_path / "flux-folder")
    loaded = load_model(ModelSpec(model=str(tmp_path / "flux-folder"), device="cpu"))
    assert loaded.layout == tiny_model.layout
    reference = dict(tiny_model.pipeline.transformer.named_parameters())
    for name, parameter in loaded.pipeline.transformer.named_parameters():
        assert torch.equal(parameter, reference[name]), name
    # A folder changed in place gets another identity, so its cached inversions are not reused.
    assert loaded.identity.fingerprint is not None and tiny_model.identity.fingerprint is None
    weights = next((tmp_path / "flux-folder" / "transformer").glob("*.safetensors"))
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 10**9))
    reloaded = load_model(ModelSpec(model=str(tmp_path / "flux-folder"), device="cpu"))
    assert reloaded.identity.fingerprint != loaded.identity.fingerprint


def test_missing_folder_and_non_diffusers_folder(tmp_path):
    with pytest.raises(ModelLoadError, match="model folder not found"):
        load_model(ModelSpec(model=str(tmp_path / "absent"), device="cpu"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelLoadError, match="no model_index.json"):
        load_model(ModelSpec(model=str(tmp_path / "empty"), device="cpu"))


def test_broken_folder_gives_one_line(tmp_path, tiny_model):
    folder = tmp_path / "broken"
    tiny_model.pipeline.save_pretrained(folder)
    for weights in (folder / "transformer").glob("*.safetensors"):
        weights.write_bytes(b"not safetensors at all")
    with pytest.raises(ModelLoadError) as error:
        load_model(ModelSpec(model=str(folder), device="cpu"))
    assert "\n" not in str(error.value)


def test_hub_failures_are_translated(monkeypatch):
    from diffusers import FluxPipeline
    from huggingface_hub.errors import GatedRepoError, LocalEntryNotFoundError, RepositoryNotFoundError

    def failing(error):
        def from_pretrained(*args, **kwargs):
            raise error
        return from_pretrained

    def hub_error(cls, message):
        # Built without an HTTP response: only the type matters to the loader.
        error = cls.__new__(cls)
        Exception.__init__(error, message)
        return error

    cases = [
        (hub_error(GatedRepoError, "gated"), "gated: accept its licence"),
        (hub_error(RepositoryNotFoundError, "missing"), "no model named"),
        (LocalEntryNotFoundError("offline"), "could not be downloaded"),
    ]
    for error, message in cases:
        monkeypatch.setattr(FluxPipeline, "from_pretrained", failing(error))
        with pytest.raises(ModelLoadError, match=message):
            load_model(ModelSpec(model="black-forest-labs/FLUX.1-dev", device="cpu"))


def test_unavailable_device_is_refused():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ParameterError, match="use --device cpu"):
        load_model(ModelSpec(model="tiny-random", device="cuda"))


def test_token_never_appears_in_the_spec_repr():
    spec = ModelSpec(model="x", hf_token="hf_secretsecret")
    assert "hf_secretsecret" not in repr(spec)
    assert "hf_secretsecret" not in str(spec)


def test_offline_uncached_model_and_long_library_errors_stay_one_short_line(monkeypatch):
    from diffusers import FluxPipeline

    def offline(*args, **kwargs):
        raise OSError("Cannot load model x: the model is not fully cached locally (... outgoing traffic has been "
                      "disabled ...) and an error occurred while trying to fetch it " + "x" * 500)

    monkeypatch.setattr(FluxPipeline, "from_pretrained", offline)
    with pytest.raises(ModelLoadError, match="not in the Hugging Face cache"):
        load_model(ModelSpec(model="someone/flux-finetune", device="cpu"))

    def noisy(*args, **kwargs):
        raise ValueError("something deep went wrong " + "y" * 1000 + "\nsecond line")

    monkeypatch.setattr(FluxPipeline, "from_pretrained", noisy)
    with pytest.raises(ModelLoadError) as error:
        load_model(ModelSpec(model="someone/flux-finetune", device="cpu"))
    assert len(str(error.value)) < 300 and "\n" not in str(error.value)


def test_demo_model_loads_its_t5_when_a_prompt_needs_it(tmp_path, monkeypatch, tiny_model):
    """`--model demo` defers T5 like any folder and loads it on the first prompt (it crashed instead)."""
    import core.model.loading as model_loading

    folder = tmp_path / "demo-model"
    tiny_model.pipeline.save_pretrained(folder)
    monkeypatch.setattr(model_loading, "demo_model_folder", lambda: folder)
    demo = load_model(ModelSpec(model="demo", device="cpu"))
    tokens, pooled = demo.prompt_encoder.encode_batch(["a big red circle in the middle on a blue background"], 16)
    assert torch.isfinite(tokens).all() and torch.isfinite(pooled).all()

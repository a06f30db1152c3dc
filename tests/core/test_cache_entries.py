"""Cache entries are tied to their key and request: swapped, garbled or mismatching entries are
deleted and recomputed, never used; non-finite inversions are never cached."""

import json
import shutil

import pytest
import torch

from core.api.errors import NonFiniteError
from core.api.requests import EditRequest
from core.api.trajectory import ExpectedTrajectory, Trajectory
from core.engine import Engine
from core.model.loading import ModelSpec, load_model
from core.model.prompt_cache import DiskPromptCache
from core.model.prompt_encoding import PromptEncoder
from core.storage.inversion_cache import DiskLatentCache
from tests.helpers import gradient_photo

STEPS, SEQ = 3, 16


def _trajectory(seed=0, prompt="a photo", steps=4, tokens=12, height=48, width=64) -> Trajectory:
    latents = torch.randn(steps + 1, tokens, 64, generator=torch.Generator().manual_seed(seed))
    return Trajectory(latents, torch.linspace(1, 0, steps + 1), height, width, prompt, 1.0)


EXPECTED = ExpectedTrajectory("a photo", 48, 64, 4, 12, 64, torch.float32)


def _swap(folder, a: str, b: str) -> None:
    """Exchange two entries' files (what a buggy copy or a crafted cache does)."""
    for suffix in (".safetensors", ".json"):
        shutil.move(folder / f"{a}{suffix}", folder / f"tmp{suffix}")
        shutil.move(folder / f"{b}{suffix}", folder / f"{a}{suffix}")
        shutil.move(folder / f"tmp{suffix}", folder / f"{b}{suffix}")


def test_swapped_entries_are_not_served_under_each_others_keys(tmp_path):
    cache = DiskLatentCache(tmp_path)
    a, b = "a" * 64, "b" * 64
    cache.put(a, _trajectory(seed=1))
    cache.put(b, _trajectory(seed=2))
    _swap(tmp_path, a, b)
    assert cache.get(a, EXPECTED) is None and cache.get(b, EXPECTED) is None
    assert cache.files.recovered == 2 and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("stored, reason", [
    (_trajectory(prompt="another photo"), "another prompt"),
    (_trajectory(height=64, width=48), "size"),
    (_trajectory(steps=5), "steps"),
    (_trajectory(tokens=13), "token count"),
])
def test_an_entry_that_disagrees_with_the_request_is_deleted(tmp_path, stored, reason):
    cache = DiskLatentCache(tmp_path)
    cache.put("c" * 64, stored)
    assert cache.get("c" * 64, EXPECTED) is None, reason
    assert cache.files.recovered == 1 and list(tmp_path.iterdir()) == []


def test_an_entry_of_another_dtype_or_with_nan_is_deleted(tmp_path):
    cache = DiskLatentCache(tmp_path)
    half = _trajectory()
    cache.put("d" * 64, Trajectory(half.latents.to(torch.bfloat16), half.sigmas, 48, 64, "a photo", 1.0))
    assert cache.get("d" * 64, EXPECTED) is None
    nan = _trajectory()
    nan.latents[1, 2, 3] = float("nan")
    with pytest.raises(NonFiniteError):  # the job stops, and nothing is stored
        cache.put("e" * 64, nan)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("garble", [
    lambda info: info.write_bytes(b"\xff\xfe{not utf-8"),
    lambda info: info.write_text("[1, 2, 3]"),
    lambda info: info.write_text(json.dumps({**json.loads(info.read_text()), "key": "f" * 64})),
    lambda info: info.write_text(json.dumps({**json.loads(info.read_text()), "format": 999})),
    lambda info: info.write_text(json.dumps({**json.loads(info.read_text()), "prompt": "a cat"})),
])
def test_unreadable_metadata_is_deleted_and_later_reads_work(tmp_path, garble):
    cache = DiskLatentCache(tmp_path)
    key = "1" * 64
    cache.put(key, _trajectory())
    garble(tmp_path / f"{key}.json")
    assert cache.get(key, EXPECTED) is None
    assert list(tmp_path.iterdir()) == []
    cache.put(key, _trajectory())
    assert cache.get(key, EXPECTED) is not None  # editing that photo works again


def test_swapped_prompt_entries_give_no_wrong_embeddings(tiny_model, tmp_path):
    disk = DiskPromptCache(tiny_model, tmp_path)
    encoder = PromptEncoder(tiny_model.pipeline, tiny_model.device, tiny_model.dtype)
    encoder.disk_cache = disk
    dog, cat = encoder.encode("a dog", SEQ), encoder.encode("a cat", SEQ)
    _swap(tmp_path, disk._key("a dog", SEQ), disk._key("a cat", SEQ))
    assert disk.get("a dog", SEQ) is None and disk.get("a cat", SEQ) is None
    fresh = PromptEncoder(tiny_model.pipeline, tiny_model.device, tiny_model.dtype)
    fresh.disk_cache = disk
    assert torch.equal(fresh.encode("a dog", SEQ).tokens, dog.tokens)
    assert torch.equal(fresh.encode("a cat", SEQ).tokens, cat.tokens) and fresh.encoder_calls == 2


def _photo_request() -> EditRequest:
    return EditRequest(method="stable-flow", source_prompt="a photo", target_prompts=("a photo of a cat",),
                       image=gradient_photo(64, 48), params={"steps": STEPS}, max_sequence_length=SEQ)


def test_switching_weights_precision_gives_a_new_inversion(tmp_path, tiny_model):
    store = DiskLatentCache(tmp_path)
    Engine(tiny_model, store).run(_photo_request())
    fp8 = load_model(ModelSpec(model="tiny-random", device="cpu", weights="fp8"))
    first = Engine(fp8, store).run(_photo_request())
    assert fp8.transformer_calls == 2 * STEPS  # inverted by the FP8 model, not replayed from the other
    assert len(list(tmp_path.glob("*.json"))) == 2
    again = Engine(fp8, store).run(_photo_request())
    assert fp8.transformer_calls == 3 * STEPS  # and its own inversion is reused
    assert torch.equal(first.source_trajectory.latents, again.source_trajectory.latents)
    calls = tiny_model.transformer_calls
    Engine(tiny_model, store).run(_photo_request())
    assert tiny_model.transformer_calls - calls == STEPS  # back to model weights: the first entry


def test_a_non_finite_inversion_stops_the_job_and_is_never_cached(tmp_path, tiny_model):
    store = DiskLatentCache(tmp_path)
    request = EditRequest(method="stable-flow", source_prompt="a photo", target_prompts=("a cat",),
                          image=gradient_photo(64, 48), params={"steps": STEPS, "nudging": 1e38},
                          max_sequence_length=SEQ)
    with pytest.raises(NonFiniteError, match="NaN or infinite values"):
        Engine(tiny_model, store).run(request)
    assert list(tmp_path.iterdir()) == []

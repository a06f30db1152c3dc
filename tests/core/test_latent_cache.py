"""The disk caches: inversions and prompt embeddings survive a restart; damage is recomputed; caps hold."""

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch

from core.api.trajectory import Trajectory
from core.model.prompt_cache import DiskPromptCache
from core.model.prompt_encoding import PromptEncoder
from core.session.session_editing import EditSession
from core.storage.file_cache import FileCache
from core.storage.inversion_cache import DiskLatentCache
from tests.core.session_helpers import SEQ, STEPS, engine, photo_file, same_pixels  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = dict(params={"steps": STEPS}, max_sequence_length=SEQ)


def _trajectory(seed: int = 0, steps: int = 4, tokens: int = 12, dtype=torch.float32) -> Trajectory:
    generator = torch.Generator().manual_seed(seed)
    latents = torch.randn(steps + 1, tokens, 64, generator=generator).to(dtype)
    return Trajectory(latents, torch.linspace(1, 0, steps + 1), 48, 64, "a photo", 1.0)


def _key(n: int) -> str:
    return f"{n:064x}"


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_round_trip_keeps_every_bit(tmp_path, dtype):
    cache = DiskLatentCache(tmp_path)
    original = _trajectory(dtype=dtype)
    cache.put(_key(1), original)
    loaded = DiskLatentCache(tmp_path).get(_key(1))
    assert loaded.latents.dtype == dtype and torch.equal(loaded.latents, original.latents)
    assert torch.equal(loaded.sigmas, original.sigmas)
    assert (loaded.height, loaded.width, loaded.prompt, loaded.guidance) == (48, 64, "a photo", 1.0)
    assert cache.get(_key(2)) is None


def _damage_truncate(data: Path, info: Path):
    data.write_bytes(data.read_bytes()[:-100])


def _damage_flip_bytes(data: Path, info: Path):
    raw = bytearray(data.read_bytes())
    raw[-10:] = b"\x00" * 10  # same size, different content: caught by the checksum
    data.write_bytes(bytes(raw))


def _damage_json(data: Path, info: Path):
    info.write_text("{ not json")


def _damage_shape(data: Path, info: Path):
    # A consistent checksum but metadata describing another shape (e.g. written by a buggy version).
    meta = json.loads(info.read_text())
    meta["shape"] = [1, 2, 3]
    info.write_text(json.dumps(meta))


def _damage_missing_data(data: Path, info: Path):
    data.unlink()


@pytest.mark.parametrize("damage", [_damage_truncate, _damage_flip_bytes, _damage_json, _damage_shape,
                                    _damage_missing_data])
def test_a_damaged_entry_is_deleted_and_reported_as_a_miss(tmp_path, damage):
    cache = DiskLatentCache(tmp_path)
    cache.put(_key(7), _trajectory())
    damage(tmp_path / f"{_key(7)}.safetensors", tmp_path / f"{_key(7)}.json")
    assert cache.get(_key(7)) is None
    assert cache.files.recovered == 1
    assert list(tmp_path.iterdir()) == []


def test_a_corrupt_cached_inversion_is_recomputed_during_an_edit(tiny_model, engine, photo_file):
    session = EditSession()
    root = session.open_photo(photo_file, "a photo")
    (first,) = session.edit(engine, root.id, ["a photo of a cat"], **OPTIONS)
    folder = engine.inversion_store.files.folder
    (entry,) = folder.glob("*.safetensors")
    entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    calls = tiny_model.transformer_calls
    (second,) = session.edit(engine, root.id, ["a photo of a cat"], **OPTIONS)
    assert tiny_model.transformer_calls - calls == 2 * STEPS  # inverted again, no crash
    assert same_pixels(session.tree.image(first.id), session.tree.image(second.id))
    calls = tiny_model.transformer_calls
    session.edit(engine, root.id, ["a photo of a fox"], **OPTIONS)
    assert tiny_model.transformer_calls - calls == STEPS  # the recomputed entry was stored again


def test_the_cache_stays_under_its_cap_evicting_the_least_recently_used(tmp_path):
    size = len(json.dumps({})) + 64 * 5 * 12 * 4 + 2000  # about one entry
    cache = DiskLatentCache(tmp_path, max_bytes=int(2.5 * size))
    for n in range(2):
        cache.put(_key(n), _trajectory(seed=n))
        time.sleep(0.01)
    assert cache.get(_key(0)) is not None  # 0 is now more recently used than 1
    time.sleep(0.01)
    cache.put(_key(2), _trajectory(seed=2))
    assert cache.files.size_bytes() <= cache.files.max_bytes
    assert cache.get(_key(1)) is None
    assert cache.get(_key(0)) is not None and cache.get(_key(2)) is not None
    for n in range(3, 20):
        cache.put(_key(n), _trajectory(seed=n))
        assert cache.files.size_bytes() <= cache.files.max_bytes
    tiny = DiskLatentCache(tmp_path / "tiny", max_bytes=1000)
    tiny.put(_key(1), _trajectory())  # larger than the whole cap: not stored
    assert tiny.get(_key(1)) is None and tiny.files.size_bytes() == 0


def test_leftovers_of_a_killed_writer_are_cleaned_up_once_stale(tmp_path):
    cache = FileCache(tmp_path, max_bytes=10_000)
    temp = tmp_path / ".abc.safetensors.x.tmp"
    temp.write_bytes(b"x" * 100)
    fresh = tmp_path / ".def.safetensors.y.tmp"
    fresh.write_bytes(b"y" * 100)
    old = time.time() - 2 * 3600
    os.utime(temp, (old, old))
    cache.evict()
    assert not temp.exists() and fresh.exists()  # a fresh one may be another process's write in progress


def test_bad_keys_and_disk_errors_never_break_an_edit(tmp_path):
    cache = DiskLatentCache(tmp_path / "file-not-folder")
    (tmp_path / "file-not-folder").write_text("in the way")
    cache.put(_key(1), _trajectory())  # cannot write: logged, not raised
    assert cache.get(_key(1)) is None
    with pytest.raises(ValueError):
        cache.get("../../etc/passwd")


def test_prompt_embeddings_come_from_disk_in_a_new_encoder(tiny_model, tmp_path):
    def encoder():
        fresh = PromptEncoder(tiny_model.pipeline, tiny_model.device, tiny_model.dtype)
        fresh.disk_cache = DiskPromptCache(tiny_model, tmp_path)
        return fresh

    first = encoder()
    a = first.encode("a photo of a dog", SEQ)
    assert first.encoder_calls == 1
    second = encoder()
    b = second.encode("a photo of a dog", SEQ)
    assert second.encoder_calls == 0
    assert torch.equal(a.tokens, b.tokens) and torch.equal(a.pooled, b.pooled)
    second.encode("a photo of a dog", SEQ + 1)  # another sequence length is another entry
    assert second.encoder_calls == 1


RESTART_SCRIPT = textwrap.dedent(
    """
    import hashlib, json, sys
    from core.engine import build_engine
    from core.model.loading import ModelSpec, load_model
    from core.session.session_editing import EditSession

    model = load_model(ModelSpec(model="tiny-random", device="cpu"))
    engine = build_engine(model)
    session = EditSession()
    root = session.open_photo(sys.argv[1], "a photo of a street")
    (node,) = session.edit(engine, root.id, ["a photo of a cat"], params={"steps": %d}, max_sequence_length=%d)
    print(json.dumps({"calls": model.transformer_calls, "encoder_calls": model.prompt_encoder.encoder_calls,
                      "pixels": hashlib.sha256(session.tree.image(node.id).tobytes()).hexdigest()}))
    """ % (STEPS, SEQ)
)


def test_the_cached_inversion_and_prompts_survive_a_restart(photo_file, isolated_home):
    env = {**os.environ, "STABLE_FLOW_STUDIO_HOME": str(isolated_home)}

    def run():
        done = subprocess.run([sys.executable, "-c", RESTART_SCRIPT, str(photo_file)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    first, second = run(), run()
    assert first["calls"] == 2 * STEPS and second["calls"] == STEPS
    assert first["encoder_calls"] == 2 and second["encoder_calls"] == 0
    assert first["pixels"] == second["pixels"]

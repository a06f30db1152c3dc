"""Regional torch.compile compiles once: later edits of the same size reuse the compiled blocks.

The backend is dynamo's counting "eager" backend (no C++ toolchain, fast); dynamo's guards
and recompiles are the same as with inductor. ``fail_on_recompile_limit_hit`` turns the
silent fallback to eager mode at the recompile limit into an error.
"""

import numpy as np
import pytest
import torch
import torch._dynamo
from PIL import Image
from torch._dynamo.testing import CompileCounter

from core.api.requests import EditRequest
from core.engine import Engine
from core.methods.stable_flow.kv_cache import SourceKVStore
from core.model.loading import ModelSpec, load_model


@pytest.fixture
def compiled():
    """A tiny model whose repeated blocks are compiled with a counting backend."""
    torch._dynamo.reset()
    model = load_model(ModelSpec(model="tiny-random", device="cpu"))
    counter = CompileCounter()
    model.pipeline.transformer.compile_repeated_blocks(backend=counter)
    with torch._dynamo.config.patch(fail_on_recompile_limit_hit=True):
        kv_store = SourceKVStore(device_budget=0, host_budget=1 << 30)  # the editor's default
        yield Engine(model, source_kv_store=kv_store), counter
    torch._dynamo.reset()


def _photo(seed: int) -> Image.Image:
    return Image.fromarray((np.random.RandomState(seed).rand(64, 64, 3) * 255).astype(np.uint8))


def _edit(engine: Engine, photo: Image.Image, source: str, target: str) -> None:
    engine.run(EditRequest("stable-flow", source, (target,), image=photo, params={"steps": 3},
                           max_sequence_length=16))


def test_three_edits_with_different_prompts_compile_only_during_the_first(compiled):
    engine, counter = compiled
    _edit(engine, _photo(0), "a photo of a dog", "a photo of a dog in the snow")
    after_first = counter.frame_count
    assert after_first > 0
    _edit(engine, _photo(1), "a red cat on a sofa", "a red cat on a sofa wearing a hat")
    _edit(engine, _photo(2), "a big house on a hill", "a big house on a hill at night")
    assert counter.frame_count == after_first


def test_re_edits_replaying_recorded_source_kv_settle_and_never_hit_the_recompile_limit(compiled):
    """Replays run the edit rows alone (a new batch size); dynamo settles within the first
    two replays (a dimension seen with two sizes is compiled once more as dynamic). Before
    the K/V hook ran outside the graph, every vital layer and step recompiled until the
    recompile limit (an error here)."""
    engine, counter = compiled
    photo = _photo(3)
    for weather in ("snow", "rain", "fog"):  # records the source's K/V, then two replays
        _edit(engine, photo, "a photo", f"a photo of {weather}")
    warm = counter.frame_count
    _edit(engine, photo, "a photo", "a photo of a storm")
    _edit(engine, photo, "a photo", "a photo of a rainbow")
    assert counter.frame_count == warm

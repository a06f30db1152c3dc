"""Re-edits that replay the source row's recorded K/V give the uncached result and obey the budget."""

import torch

from core.methods.stable_flow.editing import edit_from_trajectory, generate_edits
from core.methods.stable_flow.kv_cache import SourceKVStore

SEQ = 16
LAYERS = (0, 1, 3, 5)
STEPS = 5


def _source(model):
    generated = generate_edits(model, ["a photo of a dog", "a photo of a cat"], height=64, width=48, seed=21,
                               vital_layers=LAYERS, steps=STEPS, max_sequence_length=SEQ)
    return generated.trajectories[1]  # an edited result, edited again below


def _batch_sizes(model):
    sizes = []
    handle = model.pipeline.transformer.register_forward_pre_hook(
        lambda module, args, kwargs: sizes.append(kwargs["hidden_states"].shape[0]), with_kwargs=True)
    return sizes, handle


def _edit(model, source, prompts, store):
    return edit_from_trajectory(model, source, prompts, vital_layers=LAYERS, max_sequence_length=SEQ,
                                kv_store=store)


def test_replayed_source_kv_gives_the_uncached_result_with_one_row_less(tiny_model):
    source = _source(tiny_model)
    store = SourceKVStore(device_budget=1 << 30, host_budget=0)
    uncached = _edit(tiny_model, source, ["a photo of a bird"], None)
    _edit(tiny_model, source, ["a photo of a horse"], store)  # first edit of this source records
    sizes, handle = _batch_sizes(tiny_model)
    try:
        cached = _edit(tiny_model, source, ["a photo of a bird"], store)
    finally:
        handle.remove()
    assert sizes == [1] * STEPS
    torch.testing.assert_close(cached.trajectories[1].latents, uncached.trajectories[1].latents, rtol=0, atol=1e-6)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(cached.images[1:], uncached.images[1:]))


def test_budget_limits_what_is_kept_and_the_rest_is_recomputed(tiny_model):
    source = _source(tiny_model)
    tokens = tiny_model.image_tokens(64, 48)
    inner = tiny_model.pipeline.transformer.inner_dim
    pair = 2 * tokens * inner * 4  # one layer's K and V of one step, float32
    single_stream_pair = pair  # image part only, the same size in single blocks
    budget = 2 * len(LAYERS) * single_stream_pair + pair // 2  # two full steps and a bit
    store = SourceKVStore(device_budget=budget, host_budget=0)
    uncached = _edit(tiny_model, source, ["a red car"], None)
    _edit(tiny_model, source, ["a blue car"], store)
    assert store.device_bytes <= budget
    sizes, handle = _batch_sizes(tiny_model)
    try:
        cached = _edit(tiny_model, source, ["a red car"], store)
    finally:
        handle.remove()
    assert sizes.count(1) == 2 and sizes.count(2) == STEPS - 2
    torch.testing.assert_close(cached.trajectories[1].latents, uncached.trajectories[1].latents, rtol=0, atol=1e-6)


def test_host_tier_takes_over_when_the_device_budget_is_spent(tiny_model):
    source = _source(tiny_model)
    store = SourceKVStore(device_budget=0, host_budget=1 << 30)
    _edit(tiny_model, source, ["a blue car"], store)
    assert store.device_bytes == 0 and store.host_bytes > 0


def test_older_sources_are_evicted_for_the_newest(tiny_model):
    first, second = _source(tiny_model), generate_edits(
        tiny_model, ["a tree", "a house"], height=64, width=48, seed=2, vital_layers=LAYERS, steps=STEPS,
        max_sequence_length=SEQ).trajectories[0]
    store = SourceKVStore(device_budget=1 << 30, host_budget=0)
    _edit(tiny_model, first, ["a boat"], store)
    full = store.device_bytes
    store.device_budget = full  # room for exactly one source
    _edit(tiny_model, second, ["a boat"], store)
    assert store.device_bytes == full
    sizes, handle = _batch_sizes(tiny_model)
    try:
        _edit(tiny_model, second, ["a bus"], store)
    finally:
        handle.remove()
    assert sizes == [1] * STEPS


def test_the_benchmark_reports_the_share_of_steps_a_budget_replays(tiny_model):
    from core.methods.stable_flow.benchmark import run_benchmark
    from core.methods.stable_flow.kv_replay import source_kv_bytes_per_step
    from tests.helpers import gradient_photo

    per_step = source_kv_bytes_per_step(tiny_model, 48, 64, LAYERS)
    assert per_step == 2 * len(LAYERS) * 12 * 32 * 4  # K and V, 4 layers, 12 image tokens, width 32, float32
    photo = gradient_photo(64, 48)
    options = dict(steps=4, vital_layers=LAYERS, max_sequence_length=SEQ, warmup=False)
    partial = run_benchmark(tiny_model, photo, kv_budget_bytes=int(1.5 * per_step), **options)
    assert partial.kv_replayed_share == 0.25  # one step of four fits
    assert partial.kv_needed_gb == round(4 * per_step / 1024**3, 2)
    everything = run_benchmark(tiny_model, photo, kv_budget_bytes=4 * per_step, **options)
    assert everything.kv_replayed_share == 1.0
    assert everything.by_name("re-edit, cached inversion + K/V").transformer_passes == 4


def test_the_default_budget_is_a_share_of_free_host_memory(monkeypatch):
    import core.model.host_memory as host_memory

    monkeypatch.setattr(host_memory, "free_host_bytes", lambda: 40 * 1024**3)
    assert host_memory.default_kv_cache_gb() == 10.0
    assert SourceKVStore().host_budget == 10 * 1024**3
    monkeypatch.setattr(host_memory, "free_host_bytes", lambda: 1024**4)
    assert host_memory.default_kv_cache_gb() == 64.0


def test_an_engine_result_says_what_share_of_steps_was_replayed(tiny_model):
    from core.api.requests import EditRequest
    from core.engine import Engine

    source = _source(tiny_model)
    request = EditRequest(method="stable-flow", source_prompt=source.prompt, target_prompts=("a bird",),
                          source=source, max_sequence_length=SEQ, vital_layers=LAYERS)
    store = SourceKVStore(device_budget=0, host_budget=1 << 30)
    first = Engine(tiny_model, source_kv_store=store).run(request)
    second = Engine(tiny_model, source_kv_store=store).run(request)
    assert (first.kv_replay_share, second.kv_replay_share) == (0.0, 1.0)

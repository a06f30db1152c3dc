"""Per-call overheads: prompts encoded in one batched call, T5 loaded only on a prompt-cache
miss, rotary embeddings computed once per size, and no decode of a source row whose
picture is already known."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import numpy as np
import pytest
import torch

from core.api.requests import EditRequest
from core.engine import Engine
from core.engine import build_engine
from core.methods.stable_flow.editing import edit_from_trajectory, edit_image, generate_edits
from core.model.flux_model import FluxModel
from core.model.loading import ModelSpec, load_model
from core.model.prompt_cache import DiskPromptCache
from core.model.prompt_encoding import PromptEncoder
from tests.helpers import gradient_photo

SEQ = 16
LAYERS = (0, 1, 3)


@contextmanager
def counting_calls(module: torch.nn.Module) -> Iterator[list[int]]:
    """``[n]``: how many times ``module`` ran inside the block (the hook goes with it: the model is shared)."""
    calls = [0]
    handle = module.register_forward_hook(lambda *_: calls.__setitem__(0, calls[0] + 1))
    try:
        yield calls
    finally:
        handle.remove()


@pytest.fixture
def fresh_model(tiny_model) -> FluxModel:
    """A FluxModel with empty caches and counters over the shared tiny pipeline."""
    return FluxModel(tiny_model.pipeline, "tiny-random", tiny_model.device, tiny_model.dtype)


def test_the_new_prompts_of_a_request_are_encoded_in_one_call_with_the_same_embeddings(fresh_model):
    prompts = ["a photo of a dog", "a photo of a cat", "a photo of a dog", "a red car"]
    with counting_calls(fresh_model.pipeline.text_encoder_2) as t5_calls:
        tokens, pooled = fresh_model.prompt_encoder.encode_batch(prompts, SEQ)
    assert t5_calls[0] == 1 and fresh_model.prompt_encoder.encoder_batches == 1
    assert fresh_model.prompt_encoder.encoder_calls == 3  # distinct prompts
    for row, prompt in enumerate(prompts):  # exactly what one call per prompt gives
        with torch.no_grad():
            alone, alone_pooled, _ = fresh_model.pipeline.encode_prompt(prompt=prompt, prompt_2=None, device="cpu",
                                                                        max_sequence_length=SEQ)
        assert torch.equal(tokens[row : row + 1], alone) and torch.equal(pooled[row : row + 1], alone_pooled)
    with counting_calls(fresh_model.pipeline.text_encoder_2) as t5_calls:
        fresh_model.prompt_encoder.encode_batch(["a red car", "a blue car", "a photo of a cat"], SEQ)
    assert t5_calls[0] == 1 and fresh_model.prompt_encoder.encoder_calls == 4  # only "a blue car" was new


def test_a_generated_edit_encodes_all_its_prompts_in_one_call(fresh_model):
    generate_edits(fresh_model, ["a dog", "a cat", "a bird"], height=32, width=32, seed=1, vital_layers=LAYERS,
                   steps=1, max_sequence_length=SEQ)
    assert fresh_model.prompt_encoder.encoder_batches == 1 and fresh_model.prompt_encoder.encoder_calls == 3


@pytest.fixture
def folder_model_spec(tmp_path, tiny_model) -> ModelSpec:
    tiny_model.pipeline.save_pretrained(tmp_path / "flux-folder")
    return ModelSpec(model=str(tmp_path / "flux-folder"), device="cpu")


def test_t5_is_not_loaded_when_every_prompt_is_cached(folder_model_spec, tiny_model):
    request = EditRequest(method="stable-flow", source_prompt="a dog", target_prompts=("a cat",), height=32,
                          width=32, params={"steps": 2}, max_sequence_length=SEQ, vital_layers=LAYERS)
    first = load_model(folder_model_spec)
    assert first.pipeline.text_encoder_2 is None  # deferred at load
    expected = build_engine(first).run(request)  # both prompts miss: T5 is loaded
    assert first.pipeline.text_encoder_2 is not None

    again = load_model(folder_model_spec)  # a new process, in effect: the prompts are on disk
    result = build_engine(again).run(request)
    assert again.pipeline.text_encoder_2 is None and again.prompt_encoder.encoder_calls == 0
    assert np.array_equal(np.asarray(result.images[0]), np.asarray(expected.images[0]))

    build_engine(again).run(EditRequest(**{**request.__dict__, "target_prompts": ("a bird",)}))
    assert again.pipeline.text_encoder_2 is not None  # a new prompt loads it
    reference = dict(tiny_model.pipeline.text_encoder_2.named_parameters())
    for name, parameter in again.pipeline.text_encoder_2.named_parameters():
        assert torch.equal(parameter, reference[name]), name


def test_a_missing_t5_folder_is_one_clear_line_at_the_first_new_prompt(folder_model_spec, tmp_path):
    import shutil

    from core.api.errors import ModelLoadError

    model = load_model(folder_model_spec)
    shutil.rmtree(tmp_path / "flux-folder" / "text_encoder_2")
    with pytest.raises(ModelLoadError, match="could not load the folder") as error:
        model.prompt_encoder.encode("a dog", SEQ)
    assert "\n" not in str(error.value)


def test_rotary_embeddings_are_computed_once_per_size(fresh_model):
    rotary = fresh_model.pipeline.transformer.pos_embed
    before = rotary.computed
    generate_edits(fresh_model, ["a dog", "a cat"], height=32, width=32, seed=1, vital_layers=LAYERS, steps=3,
                   max_sequence_length=SEQ)
    after_first = rotary.computed
    assert after_first - before <= 1  # 3 transformer calls, at most one computation (0 if the size was last)
    generate_edits(fresh_model, ["a dog", "a cat"], height=48, width=32, seed=1, vital_layers=LAYERS, steps=2,
                   max_sequence_length=SEQ)
    assert rotary.computed == after_first + 1  # a new size: computed again, once
    ids = torch.randn(7, 3)
    assert all(torch.equal(a, b) for a, b in zip(rotary(ids), rotary.inner(ids)))


def test_a_photo_edit_does_not_decode_the_source_row(fresh_model):
    photo = gradient_photo(32, 32)
    with counting_calls(fresh_model.pipeline.vae.decoder) as decodes:
        output = edit_image(fresh_model, photo, ["a photo", "a photo of a cat", "a painting"], vital_layers=LAYERS,
                            steps=2, max_sequence_length=SEQ)
    assert decodes[0] == 2 and output.images[0] is photo  # the two edits only
    with counting_calls(fresh_model.pipeline.vae.decoder) as decodes:
        full = edit_from_trajectory(fresh_model, output.source_trajectory, ["a photo of a cat", "a painting"],
                                    vital_layers=LAYERS, max_sequence_length=SEQ)
    assert decodes[0] == 3  # without the picture, all three rows
    for skipped, decoded in zip(output.images[1:], full.images[1:]):
        assert np.array_equal(np.asarray(skipped), np.asarray(decoded))


@pytest.mark.parametrize("method", ["stable-flow", "sdedit"])
def test_a_re_edit_with_the_known_picture_decodes_only_the_edits(fresh_model, method):
    engine = Engine(fresh_model)
    generated = engine.run(EditRequest(method="stable-flow", source_prompt="a dog", target_prompts=("a cat",),
                                       height=32, width=32, params={"steps": 2}, max_sequence_length=SEQ,
                                       vital_layers=LAYERS))
    re_edit = EditRequest(method=method, source_prompt="a cat", target_prompts=("a bird",), height=32, width=32,
                          params={"steps": 2}, max_sequence_length=SEQ, source=generated.trajectories[0],
                          vital_layers=LAYERS if method == "stable-flow" else None)
    with counting_calls(fresh_model.pipeline.vae.decoder) as decodes:
        known = engine.run(EditRequest(**{**re_edit.__dict__, "source_image": generated.images[0]}))
    assert decodes[0] == 1 and known.source_image is generated.images[0]
    with counting_calls(fresh_model.pipeline.vae.decoder) as decodes:
        unknown = engine.run(re_edit)
    assert decodes[0] == 2
    assert np.array_equal(np.asarray(known.images[0]), np.asarray(unknown.images[0]))
    assert np.array_equal(np.asarray(unknown.source_image), np.asarray(generated.images[0]))


def test_a_source_picture_without_a_known_result_is_refused(fresh_model):
    from core.api.errors import ParameterError

    photo = gradient_photo(32, 32)
    with pytest.raises(ParameterError, match="source picture"):
        Engine(fresh_model).run(EditRequest(method="stable-flow", source_prompt="a", target_prompts=("b",),
                                            image=photo, source_image=photo, max_sequence_length=SEQ))

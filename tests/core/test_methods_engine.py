"""Every method behind the one engine interface: sources, determinism, cancelling, bad parameters."""

import numpy as np
import pytest


from core.api.errors import Cancelled, ParameterError
from core.api.progress import CancelToken, JobControl
from core.api.requests import EditRequest
from core.engine import Engine
from tests.core.methods_reference import HEIGHT, SEQ, WIDTH, close, photo_latent

NEW_METHODS = ("flowedit", "flowalign", "sdedit", "dual")
SOURCE, TARGET = "a photo of a dog", "a photo of a cat"


def _request(method, image=None, seed=42, **params):
    return EditRequest(method=method, source_prompt=SOURCE, target_prompts=(TARGET,), image=image, height=HEIGHT,
                       width=WIDTH, seed=seed, params={"steps": 4, **params}, max_sequence_length=SEQ)


def _pixels(image):
    return np.asarray(image, dtype=np.int16)


@pytest.mark.parametrize("method", NEW_METHODS)
def test_same_seed_same_result_and_the_seed_matters(tiny_model, method):
    photo, _ = photo_latent(tiny_model)
    engine = Engine(tiny_model)
    first, again = engine.run(_request(method, photo)), engine.run(_request(method, photo))
    assert np.array_equal(_pixels(first.images[0]), _pixels(again.images[0]))
    assert first.source_image is photo and first.method == method
    if method != "dual":  # the only method that draws no noise from a photo
        other = engine.run(_request(method, photo, seed=7))
        assert not np.array_equal(_pixels(first.images[0]), _pixels(other.images[0]))


@pytest.mark.parametrize("method", NEW_METHODS)
def test_a_generated_source_is_stable_flows_source_row(tiny_model, method):
    engine = Engine(tiny_model)
    reference = engine.run(EditRequest(method="stable-flow", source_prompt=SOURCE, target_prompts=(TARGET,),
                                       height=HEIGHT, width=WIDTH, seed=3, max_sequence_length=SEQ))
    result = engine.run(_request(method, seed=3))
    close(result.source_trajectory.latents, reference.source_trajectory.latents)
    assert result.source_trajectory.num_steps == 15 and result.source_trajectory.guidance == 3.5
    assert np.abs(_pixels(result.source_image) - _pixels(reference.source_image)).max() <= 1
    assert result.images[0].size == (WIDTH, HEIGHT)


@pytest.mark.parametrize("method", NEW_METHODS)
def test_several_targets_give_the_same_images_as_one_at_a_time(tiny_model, method):
    photo, _ = photo_latent(tiny_model, seed=2)
    engine = Engine(tiny_model)
    both = engine.run(EditRequest(method=method, source_prompt=SOURCE, target_prompts=(TARGET, "a red car"),
                                  image=photo, params={"steps": 3}, max_sequence_length=SEQ))
    alone = engine.run(EditRequest(method=method, source_prompt=SOURCE, target_prompts=("a red car",),
                                   image=photo, params={"steps": 3}, max_sequence_length=SEQ))
    assert len(both.images) == len(both.trajectories) == 2
    assert np.abs(_pixels(both.images[1]) - _pixels(alone.images[0])).max() <= 1


@pytest.mark.parametrize("method", NEW_METHODS)
def test_cancel_stops_within_one_step(tiny_model, method):
    photo, _ = photo_latent(tiny_model)
    token = CancelToken()
    calls_at_cancel = []

    def on_progress(event):
        if event.phase in ("edit", "invert") and not token.cancelled:
            token.cancel()
            calls_at_cancel.append(tiny_model.transformer_calls)

    with pytest.raises(Cancelled):
        Engine(tiny_model).run(_request(method, photo, steps=6), JobControl(on_progress, token))
    assert tiny_model.transformer_calls == calls_at_cancel[0]


@pytest.mark.parametrize(
    "method, params, message",
    [
        ("flowedit", {"n_max": 30, "steps": 28}, r"n max \(30\) must not be more than steps \(28\)"),
        ("flowedit", {"n_max": 4, "n_min": 5}, r"n min \(5\) must not be more than n max \(4\)"),
        ("flowedit", {"n_avg": 0}, "n avg must be a whole number from 1 to 1000"),
        ("flowedit", {"source_guidance": -1}, "source guidance must not be negative"),
        ("flowedit", {"steps": 0}, "steps must be a whole number from 1 to 1000"),
        ("flowalign", {"target_guidance": -0.5}, "target guidance must not be negative"),
        ("flowalign", {"zeta": -1}, "zeta must not be negative"),
        ("flowalign", {"true_cfg": -2}, "true cfg must not be negative"),
        ("flowalign", {"n_max": 3}, "flowalign has no parameter 'n_max'"),
        ("sdedit", {"strength": 0}, r"strength must be more than 0 and at most 1 \(got 0\)"),
        ("sdedit", {"strength": 1.5}, r"strength must be more than 0 and at most 1 \(got 1.5\)"),
        ("sdedit", {"guidance": -1}, "guidance must not be negative"),
        ("dual", {"inversion_guidance": -1}, "inversion guidance must not be negative"),
        ("dual", {"nudging": 0}, "nudging must be positive"),
        ("dual", {"steps": 2.5}, "steps must be a whole number"),
    ],
)
def test_bad_parameters_are_refused_with_one_line_before_any_work(tiny_model, method, params, message):
    calls = tiny_model.transformer_calls
    with pytest.raises(ParameterError, match=message) as error:
        Engine(tiny_model).run(_request(method, **params))
    assert "\n" not in str(error.value)
    assert tiny_model.transformer_calls == calls


def test_defaults_are_the_documented_ones(tiny_model):
    engine = Engine(tiny_model)
    resolved = {method: engine.validate(EditRequest(method=method, source_prompt=SOURCE, target_prompts=(TARGET,)))
                for method in NEW_METHODS}
    assert resolved == {
        "flowedit": {"steps": 28, "n_max": 24, "n_min": 0, "n_avg": 1, "source_guidance": 1.5,
                     "target_guidance": 5.5},
        "flowalign": {"steps": 28, "zeta": 0.01, "source_guidance": 1.0, "target_guidance": 5.5, "true_cfg": None},
        "sdedit": {"steps": 28, "strength": 0.8, "guidance": 3.5},
        "dual": {"steps": 28, "inversion_guidance": 1.0, "target_guidance": 3.5, "nudging": 1.0,
                 "inversion_prompt": "source"},
    }
    fewer_steps = engine.validate(EditRequest(method="flowedit", source_prompt=SOURCE, target_prompts=(TARGET,),
                                              params={"steps": 14}))
    assert fewer_steps["n_max"] == 12  # the same share of the schedule as 24 of 28

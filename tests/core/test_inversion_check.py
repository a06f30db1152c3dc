"""The inversion check: sampling the inverted noise back gives the photo (tiny model, CPU)."""

import numpy as np
import pytest
from PIL import Image

from core.api.errors import ParameterError
from core.api.progress import JobControl
from core.flux.latents import encode_image
from core.methods.inversion_check import FAITHFUL_PSNR_DB, check_inversion
from core.methods.stable_flow.editing import generate_edits, invert
from core.model.loading import ModelSpec, load_model

LAYERS = (0, 1, 3)
MSL = 16


@pytest.fixture(scope="module")
def model():
    return load_model(ModelSpec(model="tiny-random", device="cpu"))


def test_an_exact_trajectory_comes_back_exactly_and_another_photo_scores_low(model):
    # A generated image's trajectory is an exact path from its noise: sampling it back must give the image.
    generated = generate_edits(model, ["a red house", "a blue house"], height=64, width=64, seed=3,
                               vital_layers=LAYERS, steps=4, max_sequence_length=MSL)
    source, trajectory = generated.images[0], generated.trajectories[0]
    phases = []
    check = check_inversion(model, trajectory, source, max_sequence_length=MSL,
                            control=JobControl(on_progress=lambda event: phases.append(event.phase)))
    assert check.reconstruction.size == source.size
    assert check.psnr_db > 40 and check.faithful and "faithful" in check.summary()
    assert phases.count("check") == trajectory.num_steps and phases[-1] == "decode"
    noise = Image.fromarray((np.random.RandomState(1).rand(64, 64, 3) * 255).astype(np.uint8))
    other = check_inversion(model, trajectory, noise, max_sequence_length=MSL)
    assert other.psnr_db < FAITHFUL_PSNR_DB and "describe the photo more precisely" in other.summary()


def test_an_inverted_photo_reports_a_finite_score(model):
    photo = Image.fromarray((np.mgrid[0:64, 0:64, 0:3].sum(0) * 2 % 256).astype(np.uint8))
    clean = encode_image(model.pipeline, photo, model.device, model.dtype)
    inverted = invert(model, clean, "a pattern", height=64, width=64, steps=3, max_sequence_length=MSL)
    check = check_inversion(model, inverted, photo, max_sequence_length=MSL)
    assert 0 < check.psnr_db < float("inf") and check.summary().startswith("Inversion check: the photo comes back at PSNR")


def test_a_photo_of_another_size_is_refused(model):
    generated = generate_edits(model, ["a", "b"], height=64, width=64, seed=0, vital_layers=LAYERS, steps=2,
                               max_sequence_length=MSL)
    with pytest.raises(ParameterError, match="the photo is 32x32 but the inversion was made at 64x64"):
        check_inversion(model, generated.trajectories[0], Image.new("RGB", (32, 32)), max_sequence_length=MSL)

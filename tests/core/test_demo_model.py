"""The shipped demo model (resources/demo-model/): it loads through the stock pipeline, reconstructs
photos, and Stable Flow changes a colour while keeping the rest; with injection off the
preservation check fails, so the check measures something.

Thresholds come from measured numbers with the margin stated beside each; the module is skipped
while no weights are shipped.
"""

import pytest

from core.api.requests import EditRequest
from core.demo_model.batches import HELD_OUT_SCENES
from core.demo_world.edits import edit_set
from core.demo_world.metrics import mae_and_psnr, pixels, score_edit
from core.demo_world.render import render
from core.engine import Engine
from core.model.demo_weights import DEMO_FOLDER
from core.storage.resources import resource_path

STEPS = 20
# A fixed small set: the first 6 colour edits of a first object (the one the horizon's height
# follows, so a regeneration moves the horizon) in the benchmark's held-out range.
COLOUR_EDITS = [edit for edit in edit_set(3, HELD_OUT_SCENES, 400) if edit.kind == "colour" and edit.changed == 0][:6]

# Measured on the shipped weights (the fifth run continued on the horizon world), 20 steps, CPU
# float32: reconstructions 25.7, 28.2 and 28.3 dB (bar 20 dB each, what a shipped model must reach); Stable Flow
# with the shipped layers 1, 5: 4 of 6 colour edits right (bar: the "most", 4 of 6) with
# kept MAE 6.90; no injection 4 of 6 with 11.49. One bar for both, 9.0, sits 2.1 above the first
# and 2.5 below the second. Earlier runs: README, Demo model.
RECONSTRUCTION_PSNR_MIN = 20.0  # dB
ADHERENT_MIN = 4  # of 6 colour edits
KEPT_MAE_MAX = 9.0  # mean absolute error (0-255) outside the edited object

pytestmark = pytest.mark.skipif(
    not (resource_path(DEMO_FOLDER) / "model_index.json").is_file(),
    reason="the demo model's weights are not in resources/demo-model/ (README: Demo model, how to train them)",
)


@pytest.fixture(scope="module")
def demo():
    from core.model.loading import ModelSpec, load_model

    return load_model(ModelSpec(model="demo", device="cpu"))


def _colour_edit_scores(model, layers=None):
    """The fixed colour edits of photos with Stable Flow, scored (``layers`` None: the model's set)."""
    engine = Engine(model)
    scores = []
    for edit in COLOUR_EDITS:
        source_prompt, target_prompt = edit.prompts
        photo = render(edit.source)
        request = EditRequest(method="stable-flow", source_prompt=source_prompt, target_prompts=(target_prompt,),
                              image=photo, params={"steps": STEPS}, max_sequence_length=model.text_tokens,
                              vital_layers=layers)
        scores.append(score_edit(edit, photo, engine.run(request).images[0]))
    return scores


def test_the_demo_model_is_a_stock_flux_pipeline_of_the_stated_size(demo):
    from diffusers import AutoencoderKL, FluxTransformer2DModel

    pipeline = demo.pipeline
    assert isinstance(pipeline.transformer, FluxTransformer2DModel) and pipeline.transformer.config.guidance_embeds
    assert isinstance(pipeline.vae, AutoencoderKL) and pipeline.vae.config.latent_channels == 16
    assert demo.image_tokens(64, 64) == 64 and demo.text_tokens == 32 and demo.model_id == "demo"


def test_photos_reconstruct_after_inversion(demo):
    engine = Engine(demo)
    psnrs = []
    for edit in COLOUR_EDITS[:3]:
        photo = render(edit.source)
        request = EditRequest(method="dual", source_prompt=edit.prompts[0], target_prompts=(edit.prompts[0],),
                              image=photo, params={"steps": STEPS, "target_guidance": 1.0, "nudging": 1.0},
                              max_sequence_length=demo.text_tokens)
        psnrs.append(mae_and_psnr(pixels(engine.run(request).images[0]), pixels(photo))[1])
    assert min(psnrs) >= RECONSTRUCTION_PSNR_MIN, psnrs


def test_a_stable_flow_colour_edit_changes_the_colour_and_keeps_the_rest(demo):
    scores = _colour_edit_scores(demo)
    assert sum(score.adherent for score in scores) >= ADHERENT_MIN, scores
    assert sum(score.kept_mae for score in scores) / len(scores) <= KEPT_MAE_MAX, scores


def test_without_injection_the_preservation_check_fails(demo):
    scores = _colour_edit_scores(demo, layers=())
    assert sum(score.adherent for score in scores) >= ADHERENT_MIN, scores  # the edits still happen...
    assert sum(score.kept_mae for score in scores) / len(scores) > KEPT_MAE_MAX, scores  # ...and the rest drifts

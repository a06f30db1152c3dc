"""Training the demo model: a stopped run resumes to exactly the weights of an uninterrupted one
(also in the horizon phases), checkpoints are safetensors + JSON, a damaged checkpoint is one
clear line, and a run finished before the horizon phases continues into them."""

import json

import pytest
import torch
from safetensors.torch import load_file

from core.api.errors import UserError
from core.demo_model.batches import HORIZON_VAE_SCENES, VAE_SCENES, scenes_for_step
from core.demo_model.checkpoints import load_state
from core.demo_model.flow_matching import sample_timesteps, shift_mu
from core.demo_model.training import TrainSettings, train_demo_model

TINY_RUN = TrainSettings(vae_steps=3, vae_batch=2, transformer_steps=3, transformer_batch=2, warmup=2,
                         checkpoint_every=2, horizon_vae_steps=2, horizon_transformer_steps=2)
PLAIN_ONLY = {**TINY_RUN.__dict__, "horizon_vae_steps": 0, "horizon_transformer_steps": 0}
MODEL_PARTS = ("transformer/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors",
               "text_encoder_2/model.safetensors")


class NoBar:
    def __init__(self, *args):
        pass

    def update(self, n):
        pass

    def set_postfix(self, refresh=True, **kwargs):
        pass

    def close(self):
        pass


class StopAfter(NoBar):
    """A progress bar that presses Ctrl-C after ``limit`` updates in total."""

    count = 0
    limit = 4

    def update(self, n):
        StopAfter.count += n
        if StopAfter.count == StopAfter.limit:
            raise KeyboardInterrupt


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    output = tmp_path_factory.mktemp("run")
    model_dir = train_demo_model(output, TINY_RUN, NoBar)
    return output, model_dir


def test_a_run_writes_a_diffusers_folder_losses_and_a_curve(uninterrupted):
    output, model_dir = uninterrupted
    assert (model_dir / "model_index.json").is_file()
    assert (model_dir / "transformer" / "diffusion_pytorch_model.safetensors").is_file()
    assert not list(output.rglob("*.bin")) and not list(output.rglob("*.pt"))
    summary = json.loads((output / "training.json").read_text())
    assert summary["phase"] == "done" and summary["final_transformer_loss"] > 0
    assert (output / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    tokenizer = json.loads((model_dir / "tokenizer_2" / "tokenizer_config.json").read_text())
    assert tokenizer["model_max_length"] == 32


def _same_weights(model_a, model_b) -> None:
    for part in MODEL_PARTS:
        a, b = load_file(model_a / part), load_file(model_b / part)
        assert a.keys() == b.keys() and all(torch.equal(a[key], b[key]) for key in b), part


@pytest.mark.parametrize("presses, where", [(4, ("transformer", 1)), (7, ("horizon-vae", 1)), (9, ("horizon-transformer", 1))])
def test_ctrl_c_then_resume_gives_the_same_weights(uninterrupted, tmp_path, presses, where):
    StopAfter.count, StopAfter.limit = 0, presses
    with pytest.raises(KeyboardInterrupt):
        train_demo_model(tmp_path, TINY_RUN, StopAfter)
    state = load_state(tmp_path / "checkpoints")
    assert (state.phase, state.step) == where
    _same_weights(train_demo_model(tmp_path, TINY_RUN, NoBar), uninterrupted[1])


def test_the_plain_phases_draw_the_horizon_worlds_scenes_without_their_horizon():
    plain, whole = scenes_for_step(0, VAE_SCENES, 5, 8, horizon=False), scenes_for_step(0, VAE_SCENES, 5, 8)
    assert [scene.objects for scene in plain] == [scene.objects for scene in whole]
    assert all(scene.horizon is None for scene in plain) and all(scene.horizon is not None for scene in whole)
    assert not set(scenes_for_step(0, HORIZON_VAE_SCENES, 0, 8)) & set(scenes_for_step(0, VAE_SCENES, 0, 8))


def test_a_run_finished_before_the_horizon_phases_continues_into_them(uninterrupted, tmp_path):
    plain_model = train_demo_model(tmp_path, TrainSettings(**PLAIN_ONLY), NoBar)
    plain_weights = load_file(plain_model / MODEL_PARTS[0])
    state_file = tmp_path / "checkpoints" / "state.json"
    raw = json.loads(state_file.read_text())
    for key in ("horizon_vae_steps", "horizon_transformer_steps", "horizon_lr"):
        del raw["settings"][key]  # as the version before the horizon phases wrote it
    state_file.write_text(json.dumps(raw))
    continued = train_demo_model(tmp_path, TINY_RUN, NoBar)
    state = load_state(tmp_path / "checkpoints")
    assert (state.phase, len(state.vae_losses), len(state.transformer_losses)) == ("done", 5, 5)
    horizon_weights = load_file(continued / MODEL_PARTS[0])
    assert not all(torch.equal(horizon_weights[key], plain_weights[key]) for key in plain_weights)
    _same_weights(continued, uninterrupted[1])  # the same as one run with the horizon phases


def test_resuming_with_other_settings_or_a_damaged_state_is_one_line(uninterrupted, tmp_path):
    output, _ = uninterrupted
    with pytest.raises(UserError, match=r"holds a run with other settings \(seed\)"):
        train_demo_model(output, TrainSettings(**{**TINY_RUN.__dict__, "seed": 1}), NoBar)
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "state.json").write_text(json.dumps({"version": 1, "phase": "vae", "step": -3}))
    with pytest.raises(UserError, match="is damaged .*delete"):
        train_demo_model(tmp_path, TINY_RUN, NoBar)


def test_timesteps_follow_fluxs_shift_for_64_tokens():
    config = {"base_image_seq_len": 256, "max_image_seq_len": 4096, "base_shift": 0.5, "max_shift": 1.15}
    mu = shift_mu(64, config)
    assert mu == pytest.approx(0.5 + 0.65 * (64 - 256) / 3840)
    t = sample_timesteps(20000, mu, torch.Generator().manual_seed(0))
    assert 0 < float(t.min()) and float(t.max()) < 1
    assert float(t.median()) == pytest.approx(torch.sigmoid(torch.tensor(mu)).item(), abs=0.02)  # shifted median


def test_a_stopped_run_can_be_shortened_or_lengthened_and_says_so(tmp_path):
    StopAfter.count, StopAfter.limit = 0, 4
    with pytest.raises(KeyboardInterrupt):
        train_demo_model(tmp_path, TINY_RUN, StopAfter)  # stops at transformer step 1
    longer = TrainSettings(**{**TINY_RUN.__dict__, "transformer_steps": 4})
    train_demo_model(tmp_path, longer, NoBar)
    state = load_state(tmp_path / "checkpoints")
    assert (state.phase, len(state.transformer_losses)) == ("done", 4 + 2)  # then the horizon transformer's 2
    assert state.settings["schedule_changes"] == [{"at_step": 1, "transformer_steps": 4}]
    for steps in (2, 5):  # its horizon phases have run on the plain phase's weights: neither is the run asked for
        with pytest.raises(UserError, match=r"other settings \(transformer_steps\)"):
            train_demo_model(tmp_path, TrainSettings(**{**TINY_RUN.__dict__, "transformer_steps": steps}), NoBar)

"""Training the demo model: a stopped run resumes to exactly the weights of an uninterrupted one,
checkpoints are safetensors + JSON, and a damaged checkpoint is one clear line."""

import json

import pytest
import torch
from safetensors.torch import load_file

from core.api.errors import UserError
from core.demo_model.checkpoints import load_state
from core.demo_model.flow_matching import sample_timesteps, shift_mu
from core.demo_model.training import TrainSettings, train_demo_model

TINY_RUN = TrainSettings(vae_steps=3, vae_batch=2, transformer_steps=3, transformer_batch=2, warmup=2,
                         checkpoint_every=2)


class NoBar:
    def __init__(self, *args):
        pass

    def update(self, n):
        pass

    def set_postfix(self, **kwargs):
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


def test_ctrl_c_then_resume_gives_the_same_weights(uninterrupted, tmp_path):
    StopAfter.count = 0
    with pytest.raises(KeyboardInterrupt):
        train_demo_model(tmp_path, TINY_RUN, StopAfter)  # stops at transformer step 1
    state = load_state(tmp_path / "checkpoints")
    assert (state.phase, state.step) == ("transformer", 1)
    model_dir = train_demo_model(tmp_path, TINY_RUN, NoBar)
    for part in ("transformer/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors"):
        resumed, straight = load_file(model_dir / part), load_file(uninterrupted[1] / part)
        assert all(torch.equal(resumed[key], straight[key]) for key in straight), part


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
    StopAfter.count = 0
    with pytest.raises(KeyboardInterrupt):
        train_demo_model(tmp_path, TINY_RUN, StopAfter)  # stops at transformer step 1
    longer = TrainSettings(**{**TINY_RUN.__dict__, "transformer_steps": 4})
    train_demo_model(tmp_path, longer, NoBar)
    state = load_state(tmp_path / "checkpoints")
    assert len(state.transformer_losses) == 4
    assert state.settings["schedule_changes"] == [{"at_step": 1, "transformer_steps": 4}]
    train_demo_model(tmp_path, TrainSettings(**{**TINY_RUN.__dict__, "transformer_steps": 5}), NoBar)  # continued
    state = load_state(tmp_path / "checkpoints")
    assert (state.phase, len(state.transformer_losses)) == ("done", 5)
    assert state.settings["schedule_changes"][-1] == {"at_step": 4, "transformer_steps": 5}
    with pytest.raises(UserError, match="other settings"):  # a finished run cannot be shortened
        train_demo_model(tmp_path, TrainSettings(**{**TINY_RUN.__dict__, "transformer_steps": 2}), NoBar)

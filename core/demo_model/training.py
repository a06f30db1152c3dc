"""Training the demo model: the VAE first, then the transformer, on the plain world; then both
again on the horizon world (a fine-tune); resumable at any step.

Everything is drawn from one seed: the initial weights, the scenes of every step and the
noise of every step (each step seeds its own generator), so an interrupted run resumes
to the same result. The output folder gets ``checkpoints/``, ``loss.png``,
``training.json`` and, at the end, ``model/``: a diffusers folder that loads with
FluxPipeline.from_pretrained.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import torch
from diffusers import FluxPipeline

from core.api.errors import UserError
from core.demo_model.architecture import build_untrained_demo_pipeline
from core.demo_model.batches import (HORIZON_TRANSFORMER_SCENES, HORIZON_VAE_SCENES, TRANSFORMER_SCENES, VAE_SCENES,
                                     captions_with_dropout, scenes_for_step, scenes_to_pixels)
from core.demo_model.checkpoints import TrainingState, load_module, load_state, save_checkpoint
from core.demo_model.flow_matching import noisy_and_target, sample_timesteps, shift_mu
from core.demo_model.loss_curve import write_loss_curve
from core.demo_model.train_settings import TrainSettings
from core.flux.latents import image_position_ids, pack
from core.model.demo_weights import DEMO_TEXT_TOKENS
from core.storage.atomic import atomic_write_text

KL_WEIGHT = 1e-6
CAPTION_DROPOUT = 0.1
GUIDANCE_RANGE = (1.0, 5.0)  # guidance scales the distilled model learns
PLAIN_GUIDANCE_SHARE = 0.25  # distilled steps' samples kept at guidance 1, the plain conditional velocity
LATENT_STAT_BATCHES = 16


ProgressFactory = Callable[[str, int, int], object]  # (description, total, initial) -> tqdm-like bar


def learning_rate(base: float, step: int, total: int, warmup: int) -> float:
    """Linear warm-up, then cosine decay to a tenth of ``base``."""
    if step < warmup:
        return base * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return base * (0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress))))


# Noise streams per phase; seed * 4 + stream keeps every (seed, phase) pair apart.
_PHASE_STREAMS = {"vae": 1, "transformer": 2, "horizon-vae": 3, "horizon-transformer": 0}
_VAE_PHASES = ("vae", "horizon-vae")
_TRANSFORMER_PHASES = ("transformer", "horizon-transformer")


def _generator(seed: int, phase: str, step: int) -> torch.Generator:
    """The noise generator of one step: a function of seed, phase and step only, so resuming repeats it."""
    return torch.Generator("cpu").manual_seed((seed * 4 + _PHASE_STREAMS[phase]) * 1_000_000_007 + step)


def _adam(parameters, lr: float) -> torch.optim.AdamW:
    return torch.optim.AdamW([p for p in parameters if p.requires_grad], lr=lr, weight_decay=0.0)


def _vae_step(pipeline: FluxPipeline, optimizer, settings: TrainSettings, phase: str, step: int) -> float:
    vae = pipeline.vae
    generator = _generator(settings.seed, phase, step)
    first = VAE_SCENES if phase == "vae" else HORIZON_VAE_SCENES
    pixels = scenes_to_pixels(scenes_for_step(settings.seed, first, step, settings.vae_batch, horizon=phase != "vae"))
    posterior = vae.encode(pixels).latent_dist
    latent = posterior.mean + posterior.std * torch.randn(posterior.mean.shape, generator=generator)
    decoded = vae.decode(latent).sample
    loss = (decoded - pixels).abs().mean() + ((decoded - pixels) ** 2).mean() + KL_WEIGHT * posterior.kl().mean()
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(vae.parameters(), 1.0)
    optimizer.step()
    return float(loss.detach())


@torch.no_grad()
def _latent_statistics(pipeline: FluxPipeline, settings: TrainSettings) -> tuple[float, float]:
    """Mean and 1/std of the VAE's latents over held scenes: FLUX's shift_factor and scaling_factor."""
    latents = [
        pipeline.vae.encode(scenes_to_pixels(scenes_for_step(settings.seed, VAE_SCENES + 50_000_000, index, 32, horizon=False))).latent_dist.mean
        for index in range(LATENT_STAT_BATCHES)
    ]
    stacked = torch.cat(latents)
    return float(stacked.mean()), float(1.0 / stacked.std())


def _encode(pipeline: FluxPipeline, prompts: list[str]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return pipeline.encode_prompt(prompt=prompts, prompt_2=None, device="cpu", max_sequence_length=DEMO_TEXT_TOKENS)


def _guidance_scales(count: int, generator: torch.Generator) -> torch.Tensor:
    """(count,) guidance scales: 1 for a share of the samples, uniform in GUIDANCE_RANGE for the rest."""
    low, high = GUIDANCE_RANGE
    scales = low + (high - low) * torch.rand(count, generator=generator)
    plain = torch.rand(count, generator=generator) < PLAIN_GUIDANCE_SHARE
    return torch.where(plain, torch.ones_like(scales), scales)


@torch.no_grad()
def _guided_target(pipeline: FluxPipeline, noisy, t, target, embeds, pooled, txt_ids, img_ids, scales) -> torch.Tensor:
    """FLUX.1-dev-style guidance distillation: the data target plus (w - 1) x the model's own
    classifier-free direction (caption minus empty prompt, both at guidance 1).

    v_empty + w (v_caption - v_empty) = v_caption + (w - 1)(v_caption - v_empty), and the data
    target is an unbiased sample of v_caption, so the model keeps learning from data while its
    guidance input learns what classifier-free guidance at scale w would do.
    """
    count = len(scales)
    empty_embeds, empty_pooled, _ = _encode(pipeline, [""] * count)
    both = pipeline.transformer(
        hidden_states=torch.cat([noisy, noisy]), timestep=torch.cat([t, t]), guidance=torch.ones(2 * count),
        pooled_projections=torch.cat([pooled, empty_pooled]), encoder_hidden_states=torch.cat([embeds, empty_embeds]),
        txt_ids=txt_ids, img_ids=img_ids, return_dict=False,
    )[0]
    caption_velocity, empty_velocity = both.chunk(2)
    return target + (scales - 1.0).view(-1, 1, 1) * (caption_velocity - empty_velocity)


def distillation_start(settings: TrainSettings) -> int:
    """The transformer step from which guidance is distilled (before it the guidance input is 1)."""
    return round(settings.transformer_steps * (1.0 - settings.distilled_share))


def _transformer_step(pipeline: FluxPipeline, optimizer, settings: TrainSettings, state: TrainingState,
                      mu: float, img_ids: torch.Tensor) -> float:
    plain = state.phase == "transformer"
    generator = _generator(settings.seed, state.phase, state.step)
    scenes = scenes_for_step(settings.seed, TRANSFORMER_SCENES if plain else HORIZON_TRANSFORMER_SCENES, state.step,
                             settings.transformer_batch, horizon=not plain)
    with torch.no_grad():
        posterior = pipeline.vae.encode(scenes_to_pixels(scenes)).latent_dist
        latent = posterior.mean + posterior.std * torch.randn(posterior.mean.shape, generator=generator)
        clean = pack((latent - state.latent_shift) * state.latent_scale)
    prompts = captions_with_dropout(scenes, generator, CAPTION_DROPOUT)
    embeds, pooled, txt_ids = _encode(pipeline, prompts)  # T5 is trained with the transformer
    t = sample_timesteps(len(scenes), mu, generator)
    noisy, target = noisy_and_target(clean, t, generator)
    guidance = torch.ones(len(scenes))
    if not plain or state.step >= distillation_start(settings):
        guidance = _guidance_scales(len(scenes), generator)
        target = _guided_target(pipeline, noisy, t, target, embeds.detach(), pooled, txt_ids, img_ids, guidance)
    prediction = pipeline.transformer(
        hidden_states=noisy, timestep=t, guidance=guidance, pooled_projections=pooled,
        encoder_hidden_states=embeds, txt_ids=txt_ids, img_ids=img_ids, return_dict=False,
    )[0]
    loss = ((prediction - target) ** 2).mean()
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(_transformer_parameters(pipeline), 1.0)
    optimizer.step()
    return float(loss.detach())


def _transformer_parameters(pipeline: FluxPipeline) -> list[torch.nn.Parameter]:
    """What the transformer phase trains: the transformer and the T5 encoder (CLIP stays frozen)."""
    return list(pipeline.transformer.parameters()) + list(pipeline.text_encoder_2.parameters())


def _apply_latent_statistics(pipeline: FluxPipeline, state: TrainingState) -> None:
    pipeline.vae.register_to_config(shift_factor=state.latent_shift, scaling_factor=state.latent_scale)


def _write_summary(output: Path, state: TrainingState) -> None:
    def tail_mean(values: list[float]) -> float | None:
        tail = values[-100:]
        return sum(tail) / len(tail) if tail else None

    summary = {
        "settings": state.settings, "phase": state.phase, "elapsed_s": round(state.elapsed_s, 1),
        "final_vae_loss": tail_mean(state.vae_losses), "final_transformer_loss": tail_mean(state.transformer_losses),
        "latent_shift": state.latent_shift, "latent_scale": state.latent_scale,
    }
    atomic_write_text(output / "training.json", json.dumps(summary, indent=2))
    write_loss_curve(output / "loss.png", state.vae_losses, state.transformer_losses)


_TRANSFORMER_SETTINGS = {"transformer_steps", "transformer_batch", "transformer_lr", "distilled_share"}
_HORIZON_SETTINGS = {"horizon_vae_steps", "horizon_transformer_steps", "horizon_lr"}


def _resume_or_start(folder: Path, settings: TrainSettings) -> TrainingState:
    state = load_state(folder)
    if state is None:
        return TrainingState(settings=asdict(settings))
    if state.phase == "done" and "horizon_vae_steps" not in state.settings:
        # A run finished before the horizon phases existed: its plain-world training is complete.
        state.phase, state.step = "horizon-vae", 0
    wanted = asdict(settings)
    changed = sorted(k for k in wanted if state.settings.get(k) != wanted[k])
    changeable = set()
    if state.phase == "vae" or (state.phase == "transformer" and state.step == 0):
        changeable |= _TRANSFORMER_SETTINGS
    if state.phase in ("vae", "transformer") or (state.phase == "horizon-vae" and state.step == 0):
        changeable |= _HORIZON_SETTINGS
    if changed and set(changed) <= changeable:
        # Those phases have not begun, so the run is the same as one started with these settings.
        state.settings.update({key: wanted[key] for key in changed})
    elif changed == ["transformer_steps"] and (
            state.phase == "vae" or (state.phase == "transformer" and settings.transformer_steps > state.step)):
        # A shorter or longer transformer phase: the learning-rate schedule follows the new count
        # from here on (before the transformer starts, the run is the same as one started with it).
        if state.phase == "transformer":
            state.settings.setdefault("schedule_changes", []).append(
                {"at_step": state.step, "transformer_steps": settings.transformer_steps})
        state.settings["transformer_steps"] = settings.transformer_steps
    elif changed:
        raise UserError(
            f"{folder.parent} holds a run with other settings ({', '.join(changed)}): "
            "pass the same options to resume it, or choose a new --output"
        )
    return state


def _trainable(module: torch.nn.Module, train: bool) -> None:
    module.train(train).requires_grad_(train)


def _steps_and_lr(settings: TrainSettings, phase: str) -> tuple[int, float]:
    """A phase's step count and base learning rate."""
    return {
        "vae": (settings.vae_steps, settings.vae_lr),
        "transformer": (settings.transformer_steps, settings.transformer_lr),
        "horizon-vae": (settings.horizon_vae_steps, settings.horizon_lr),
        "horizon-transformer": (settings.horizon_transformer_steps, settings.horizon_lr),
    }[phase]


def train_demo_model(output: Path, settings: TrainSettings, progress: ProgressFactory) -> Path:
    """Train (or resume) into ``output``; returns the finished model folder. Ctrl-C saves a checkpoint.

    Each phase starts a fresh optimiser; the VAE's latent statistics are measured once, after
    the first VAE phase, so the horizon phases fine-tune in the same latent space.
    """
    torch.manual_seed(settings.seed)
    checkpoints = output / "checkpoints"
    state = _resume_or_start(checkpoints, settings)
    pipeline = build_untrained_demo_pipeline(settings.seed)
    pipeline.text_encoder.requires_grad_(False)
    optimizers: dict[str, torch.optim.AdamW] = {}

    def optimizer_for(phase: str) -> torch.optim.AdamW:
        if phase not in optimizers:
            parameters = pipeline.vae.parameters() if phase in _VAE_PHASES else _transformer_parameters(pipeline)
            optimizers[phase] = _adam(parameters, _steps_and_lr(settings, phase)[1])
        return optimizers[phase]

    if state.step or state.phase != "vae":
        in_vae_phase = state.phase in _VAE_PHASES and state.step > 0
        load_module(checkpoints, "vae", pipeline.vae, optimizer_for(state.phase) if in_vae_phase else None)
    if state.phase != "vae" and not (state.phase == "transformer" and state.step == 0):
        in_transformer_phase = state.phase in _TRANSFORMER_PHASES and state.step > 0
        load_module(checkpoints, "transformer", pipeline.transformer,
                    optimizer_for(state.phase) if in_transformer_phase else None)
        load_module(checkpoints, "text_encoder_2", pipeline.text_encoder_2, None)

    started = time.monotonic() - state.elapsed_s

    def checkpoint() -> None:
        state.elapsed_s = time.monotonic() - started
        current = optimizers.get(state.phase)
        modules = {"vae": (pipeline.vae, current if state.phase in _VAE_PHASES else None)}
        if state.phase != "vae":
            modules["transformer"] = (pipeline.transformer, current if state.phase in _TRANSFORMER_PHASES else None)
            modules["text_encoder_2"] = (pipeline.text_encoder_2, None)  # its moments are in transformer's
        save_checkpoint(checkpoints, state, modules)
        _write_summary(output, state)

    def run_phase(description: str, losses: list[float], step: Callable) -> None:
        total, base_lr = _steps_and_lr(settings, state.phase)
        optimizer = optimizer_for(state.phase)
        bar = progress(description, total, state.step)
        while state.step < total:
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(base_lr, state.step, total, settings.warmup)
            losses.append(step(optimizer))
            state.step += 1
            bar.update(1)
            bar.set_postfix(loss=f"{losses[-1]:.4f}", refresh=False)  # a log file gets one line per interval
            if state.step % settings.checkpoint_every == 0:
                checkpoint()
        bar.close()

    def next_phase(phase: str) -> None:
        state.phase, state.step = phase, 0
        checkpoint()

    def vae_phase(description: str) -> None:
        _trainable(pipeline.vae, True)  # before its optimiser is made: _adam takes what requires grad
        run_phase(description, state.vae_losses,
                  lambda optimizer: _vae_step(pipeline, optimizer, settings, state.phase, state.step))
        _trainable(pipeline.vae, False)

    def transformer_phase(description: str) -> None:
        pipeline.transformer.train()  # T5 trains in eval mode: no dropout, the data never repeats
        mu = shift_mu(64, pipeline.scheduler.config)
        img_ids = image_position_ids(64, 64, pipeline.vae_scale_factor, "cpu", torch.float32)
        run_phase(description, state.transformer_losses,
                  lambda optimizer: _transformer_step(pipeline, optimizer, settings, state, mu, img_ids))

    try:
        if state.phase == "vae":
            vae_phase("VAE")
            state.latent_shift, state.latent_scale = _latent_statistics(pipeline, settings)
            next_phase("transformer")
        _trainable(pipeline.vae, False)
        if state.phase == "transformer":
            transformer_phase("transformer")
            next_phase("horizon-vae")
        if state.phase == "horizon-vae":
            vae_phase("horizon VAE")
            next_phase("horizon-transformer")
        if state.phase == "horizon-transformer":
            transformer_phase("horizon transformer")
            next_phase("done")
    except KeyboardInterrupt:
        checkpoint()
        raise
    _write_summary(output, state)
    return _save_model(pipeline, state, output / "model")


def _save_model(pipeline: FluxPipeline, state: TrainingState, model_dir: Path) -> Path:
    for module in (pipeline.transformer, pipeline.vae, pipeline.text_encoder_2):
        module.eval()
    _apply_latent_statistics(pipeline, state)
    pipeline.tokenizer_2.model_max_length = DEMO_TEXT_TOKENS  # so the engine encodes prompts as in training
    pipeline.save_pretrained(str(model_dir), safe_serialization=True)
    return model_dir


def export_checkpoint(output: Path) -> Path:
    """Write ``output/model`` from the latest checkpoint of a run (a partly trained model, to try it early)."""
    checkpoints = output / "checkpoints"
    state = load_state(checkpoints)
    if state is None or state.phase == "vae":
        raise UserError(f"{output} has no transformer checkpoint yet: export after the VAE phase has finished")
    pipeline = build_untrained_demo_pipeline(int(state.settings.get("seed", 0)))
    load_module(checkpoints, "vae", pipeline.vae, None)
    load_module(checkpoints, "transformer", pipeline.transformer, None)
    load_module(checkpoints, "text_encoder_2", pipeline.text_encoder_2, None)
    return _save_model(pipeline, state, output / "model")

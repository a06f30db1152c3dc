"""Training checkpoints of the demo model: weights and optimiser moments as safetensors, progress as JSON.

A checkpoint folder holds ``state.json`` (phase, step, losses, settings) and, per trained
module, ``<module>.safetensors`` and ``<module>-optimizer.safetensors``. Every file is
written atomically, state.json last, so an interrupted save leaves the previous checkpoint.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load_file, save

from core.api.errors import UserError
from core.storage.atomic import atomic_write_bytes, atomic_write_text

STATE_FILE = "state.json"
STATE_VERSION = 1
PHASES = ("vae", "transformer", "horizon-vae", "horizon-transformer", "done")


@dataclass
class TrainingState:
    """Where a training run is: its phase, the next step to run and every loss so far."""

    settings: dict
    phase: str = "vae"
    step: int = 0
    elapsed_s: float = 0.0
    vae_losses: list[float] = field(default_factory=list)
    transformer_losses: list[float] = field(default_factory=list)
    latent_shift: float = 0.0
    latent_scale: float = 1.0


def _bad(folder: Path, what: str) -> UserError:
    return UserError(f"the checkpoint in {folder} is damaged ({what}): delete {folder} to start over")


def _floats(values, folder: Path, name: str) -> list[float]:
    if not isinstance(values, list) or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
        raise _bad(folder, f"{name} is not a list of finite numbers")
    return [float(v) for v in values]


def load_state(folder: Path) -> TrainingState | None:
    """The saved state, or None when the folder has no checkpoint yet."""
    path = folder / STATE_FILE
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise _bad(folder, f"{STATE_FILE} is not readable JSON") from None
    if not isinstance(raw, dict) or raw.get("version") != STATE_VERSION:
        raise _bad(folder, f"{STATE_FILE} is not a version-{STATE_VERSION} training state")
    phase, step, elapsed = raw.get("phase"), raw.get("step"), raw.get("elapsed_s")
    if phase not in PHASES or not isinstance(step, int) or isinstance(step, bool) or step < 0:
        raise _bad(folder, "phase or step is invalid")
    if not isinstance(elapsed, (int, float)) or not math.isfinite(elapsed) or elapsed < 0:
        raise _bad(folder, "elapsed_s is invalid")
    shift, scale = _floats([raw.get("latent_shift"), raw.get("latent_scale")], folder, "latent statistics")
    if scale <= 0:
        raise _bad(folder, "latent_scale is not positive")
    if not isinstance(raw.get("settings"), dict):
        raise _bad(folder, "settings are missing")
    return TrainingState(
        settings=raw["settings"], phase=phase, step=step, elapsed_s=float(elapsed),
        vae_losses=_floats(raw.get("vae_losses"), folder, "vae_losses"),
        transformer_losses=_floats(raw.get("transformer_losses"), folder, "transformer_losses"),
        latent_shift=shift, latent_scale=scale,
    )


def _optimizer_tensors(optimizer: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    tensors = {}
    for index, moments in optimizer.state_dict()["state"].items():
        for name, value in moments.items():
            tensors[f"{index}.{name}"] = torch.as_tensor(value).detach().clone().contiguous()
    return tensors


def _load_optimizer(optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor]) -> None:
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        index, name = key.split(".", 1)
        state.setdefault(int(index), {})[name] = value
    optimizer.load_state_dict({"state": state, "param_groups": optimizer.state_dict()["param_groups"]})


def _separate_tensors(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The state dict with tied weights (T5's shared and input embeddings) copied apart: safetensors
    refuses tensors that share memory, and loading writes the same values into both names."""
    seen: set[int] = set()
    weights = {}
    for key, value in state.items():
        pointer = value.untyped_storage().data_ptr()
        weights[key] = (value.detach().clone() if pointer in seen else value.detach()).contiguous()
        seen.add(pointer)
    return weights


def save_checkpoint(folder: Path, state: TrainingState, modules: dict[str, tuple[torch.nn.Module, torch.optim.Optimizer | None]]) -> None:
    """Write the modules' weights (and optimiser moments) then ``state.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (module, optimizer) in modules.items():
        weights = _separate_tensors(module.state_dict())
        atomic_write_bytes(folder / f"{name}.safetensors", save(weights))
        if optimizer is not None:
            atomic_write_bytes(folder / f"{name}-optimizer.safetensors", save(_optimizer_tensors(optimizer)))
    payload = {"version": STATE_VERSION, **state.__dict__}
    atomic_write_text(folder / STATE_FILE, json.dumps(payload))


def load_module(folder: Path, name: str, module: torch.nn.Module, optimizer: torch.optim.Optimizer | None) -> None:
    """Restore a module (and its optimiser moments, when saved) from ``folder``."""
    try:
        module.load_state_dict(load_file(str(folder / f"{name}.safetensors")))
        optimizer_file = folder / f"{name}-optimizer.safetensors"
        if optimizer is not None and optimizer_file.is_file():
            _load_optimizer(optimizer, load_file(str(optimizer_file)))
    except (OSError, RuntimeError, ValueError, KeyError) as error:
        raise _bad(folder, f"{name} weights do not load: {str(error).splitlines()[0][:120]}") from None

"""The FLUX sampling schedule, computed exactly as diffusers' FluxPipeline computes it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from diffusers import FlowMatchEulerDiscreteScheduler
from diffusers.pipelines.flux.pipeline_flux import calculate_shift


@dataclass(frozen=True)
class Schedule:
    """Noise levels ``s_0 = 1 > ... > s_N = 0`` and the timesteps the transformer is called with.

    ``sigmas`` has N+1 entries (float32, CPU); ``timesteps`` has N entries (``1000 * s_i``),
    the values FluxPipeline passes (divided by 1000) to the transformer.
    """

    sigmas: torch.Tensor
    timesteps: torch.Tensor

    @property
    def num_steps(self) -> int:
        """N, the number of Euler steps."""
        return len(self.timesteps)

    def transformer_timestep(self, index: int, batch: int, dtype: torch.dtype, device) -> torch.Tensor:
        """The ``timestep`` argument for step ``index``, bit-identical to FluxPipeline's."""
        return self.timesteps[index].expand(batch).to(device=device, dtype=dtype) / 1000

    def delta(self, index: int) -> torch.Tensor:
        """``s_{index+1} - s_index`` (negative when sampling)."""
        return self.sigmas[index + 1] - self.sigmas[index]


def flux_schedule(scheduler: FlowMatchEulerDiscreteScheduler, num_steps: int, image_tokens: int) -> Schedule:
    """``linspace(1, 1/N, N)`` time-shifted with FLUX's dynamic shift for ``image_tokens``, then 0."""
    config = scheduler.config
    mu = calculate_shift(
        image_tokens,
        config.get("base_image_seq_len", 256),
        config.get("max_image_seq_len", 4096),
        config.get("base_shift", 0.5),
        config.get("max_shift", 1.15),
    )
    # A private copy: the pipeline's own scheduler keeps no state from us.
    scheduler = FlowMatchEulerDiscreteScheduler.from_config(config)
    sigmas = np.linspace(1.0, 1 / num_steps, num_steps)
    scheduler.set_timesteps(sigmas=sigmas, mu=mu, device="cpu")
    return Schedule(sigmas=scheduler.sigmas.clone(), timesteps=scheduler.timesteps.clone())


def euler_step(latents: torch.Tensor, velocity: torch.Tensor, delta: torch.Tensor) -> torch.Tensor:
    """``x + delta * v`` computed in float32 and cast back, as FlowMatchEulerDiscreteScheduler does."""
    return (latents.to(torch.float32) + delta.to(latents.device) * velocity).to(velocity.dtype)

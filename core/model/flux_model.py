"""A loaded FLUX-architecture model and the one transformer call every method is built on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

import torch
from diffusers import FluxPipeline

from core.flux.latents import image_position_ids, num_image_tokens
from core.flux.schedule import Schedule, flux_schedule
from core.model.memory_auto import Placement
from core.model.prompt_encoding import PromptEncoder
from core.model.rotary_cache import cache_rotary_embeddings
from core.model.text_encoder_placement import release_text_encoders
from core.model.vital_layers import BlockLayout, block_layout
from core.rules.prompts import MAX_SEQUENCE_LENGTH
from core.storage.cache_keys import ModelIdentity


@dataclass
class Conditioning:
    """Everything but the latents that a batched transformer call needs, built once per run."""

    tokens: torch.Tensor  # (B, L, D) T5 embeddings
    pooled: torch.Tensor  # (B, P) pooled CLIP embeddings
    guidance: Optional[torch.Tensor]  # (B,) float32 distilled guidance, None for models without it
    image_ids: torch.Tensor  # (tokens, 3)
    text_ids: torch.Tensor  # (L, 3)

    @property
    def text_len(self) -> int:
        """The real text sequence length (single blocks inject only after it)."""
        return self.tokens.shape[1]

    def rows(self, index: slice) -> "Conditioning":
        """The same conditioning for a subset of batch rows."""
        guidance = None if self.guidance is None else self.guidance[index]
        return Conditioning(self.tokens[index], self.pooled[index], guidance, self.image_ids, self.text_ids)


@dataclass
class FluxModel:
    """A FluxPipeline plus what the engine needs to know about it.

    ``device`` is where tensors for the transformer go (the execution device, also under
    CPU offload); ``dtype`` is the transformer's compute precision.
    """

    pipeline: FluxPipeline
    model_id: str
    device: torch.device
    dtype: torch.dtype
    revision: Optional[str] = None
    weights: str = "model"  # "model" (the checkpoint's precision) or "fp8" (transformer weights stored in FP8)
    fingerprint: Optional[str] = None  # a local folder's weights (core.storage.cache_keys.folder_fingerprint)
    # How the weights were placed (core/model/memory_auto.py) and why, for the status bar.
    placement: Optional[Placement] = None
    placement_reason: str = ""
    prompt_encoder: PromptEncoder = field(init=False)
    transformer_calls: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.prompt_encoder = PromptEncoder(self.pipeline, self.device, self.dtype)
        cache_rotary_embeddings(self.pipeline.transformer)

    @property
    def identity(self) -> ModelIdentity:
        """Which weights this model computes with, for cache keys."""
        return ModelIdentity(self.model_id, self.revision, self.fingerprint, self.weights, str(self.dtype),
                             self.device.type)

    @property
    def layout(self) -> BlockLayout:
        """Double/single block counts of the transformer."""
        return block_layout(self.pipeline.transformer)

    @property
    def text_tokens(self) -> int:
        """T5 tokens prompts are encoded to by default: the tokenizer's length (512 for FLUX, 32 for the demo)."""
        return max(1, min(MAX_SEQUENCE_LENGTH, int(self.pipeline.tokenizer_2.model_max_length)))

    @property
    def vae_scale_factor(self) -> int:
        """Pixels per unpacked latent cell along each side (8 for FLUX)."""
        return self.pipeline.vae_scale_factor

    @property
    def latent_channels(self) -> int:
        """Channels of a packed latent token (64 for FLUX)."""
        return self.pipeline.transformer.config.in_channels

    @property
    def has_guidance(self) -> bool:
        """Whether the transformer takes a distilled guidance value (FLUX.1-dev does, schnell not)."""
        return bool(self.pipeline.transformer.config.guidance_embeds)

    def image_tokens(self, height: int, width: int) -> int:
        """Packed image tokens for a size."""
        return num_image_tokens(height, width, self.vae_scale_factor)

    def schedule(self, num_steps: int, height: int, width: int) -> Schedule:
        """FLUX's shifted schedule for this image size."""
        return flux_schedule(self.pipeline.scheduler, num_steps, self.image_tokens(height, width))

    def conditioning(
        self, prompts: Sequence[str], guidance: Sequence[float], height: int, width: int, max_sequence_length: int
    ) -> Conditioning:
        """Embeddings (new distinct prompts encoded in one call), guidance and position ids for a batch."""
        tokens, pooled = self.prompt_encoder.encode_batch(prompts, max_sequence_length)
        release_text_encoders(self.pipeline)
        guidance_tensor = None
        if self.has_guidance:
            guidance_tensor = torch.tensor(list(guidance), dtype=torch.float32, device=self.device)
        image_ids = image_position_ids(height, width, self.vae_scale_factor, self.device, self.dtype)
        text_ids = torch.zeros(tokens.shape[1], 3, device=self.device, dtype=self.dtype)
        return Conditioning(tokens, pooled, guidance_tensor, image_ids, text_ids)

    @torch.no_grad()
    def velocity(self, latents: torch.Tensor, schedule: Schedule, step: int, cond: Conditioning) -> torch.Tensor:
        """The transformer's velocity for packed ``latents`` (B, tokens, C) at level ``s_step``."""
        self.transformer_calls += 1
        timestep = schedule.transformer_timestep(step, latents.shape[0], latents.dtype, self.device)
        return self.pipeline.transformer(
            hidden_states=latents,
            timestep=timestep,
            guidance=cond.guidance,
            pooled_projections=cond.pooled,
            encoder_hidden_states=cond.tokens,
            txt_ids=cond.text_ids,
            img_ids=cond.image_ids,
            joint_attention_kwargs={},
            return_dict=False,
        )[0]

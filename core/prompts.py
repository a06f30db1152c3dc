"""Prompt validation and encoding, once per distinct prompt."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Optional, Protocol, Sequence

import torch
from diffusers import FluxPipeline

from core.errors import ParameterError

MAX_PROMPT_CHARS = 4000


@dataclass(frozen=True)
class PromptEmbedding:
    """T5 token embeddings (1, L, D) and the pooled CLIP embedding (1, P) of one prompt."""

    tokens: torch.Tensor
    pooled: torch.Tensor


def check_prompt(prompt: str, what: str = "prompt") -> str:
    """Refuse empty or absurdly long prompts; return the prompt stripped of outer spaces."""
    if not isinstance(prompt, str) or not prompt.strip():
        raise ParameterError(f"the {what} is empty: describe the image in a few words")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise ParameterError(
            f"the {what} is {len(prompt)} characters long; keep it under {MAX_PROMPT_CHARS} "
            "(the text encoder reads at most 512 tokens)"
        )
    return prompt.strip()


class PromptStore(Protocol):
    """A second-level (e.g. disk) cache of one model's prompt embeddings."""

    def get(self, prompt: str, max_sequence_length: int) -> Optional[PromptEmbedding]:
        """The stored embedding, or None."""

    def put(self, prompt: str, max_sequence_length: int, embedding: PromptEmbedding) -> None:
        """Keep an embedding."""


class PromptEncoder:
    """Encodes prompts with the pipeline's text encoders and remembers the results.

    Embeddings are keyed by (prompt, max_sequence_length) and kept on the CPU, so a prompt
    is encoded once per model however many steps or edits use it. ``max_entries`` bounds
    the memory used; the least recently used entries go first. ``disk_cache``, when set
    (see :func:`core.latent_cache.cached_engine`), is looked up after memory and keeps
    every new embedding, so a prompt seen in an earlier run is not encoded again.
    """

    def __init__(self, pipeline: FluxPipeline, device: torch.device, dtype: torch.dtype, max_entries: int = 64):
        self._pipeline = pipeline
        self._device = device
        self._dtype = dtype
        self._max_entries = max_entries
        self._cache: OrderedDict[tuple[str, int], PromptEmbedding] = OrderedDict()
        self.encoder_calls = 0
        self.disk_cache: Optional[PromptStore] = None

    @torch.no_grad()
    def encode(self, prompt: str, max_sequence_length: int) -> PromptEmbedding:
        """The embedding of one prompt (from the cache when it was seen before)."""
        key = (prompt, max_sequence_length)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        embedding = self.disk_cache.get(prompt, max_sequence_length) if self.disk_cache is not None else None
        if embedding is None:
            tokens, pooled, _ = self._pipeline.encode_prompt(
                prompt=prompt, prompt_2=None, device=self._device, max_sequence_length=max_sequence_length
            )
            self.encoder_calls += 1
            embedding = PromptEmbedding(tokens=tokens.to("cpu"), pooled=pooled.to("cpu"))
            if self.disk_cache is not None:
                self.disk_cache.put(prompt, max_sequence_length, embedding)
        self._cache[key] = embedding
        while len(self._cache) > self._max_entries:
            self._cache.popitem(last=False)
        return embedding

    def encode_batch(self, prompts: Sequence[str], max_sequence_length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Stacked (B, L, D) token and (B, P) pooled embeddings on the device, one row per prompt."""
        embeddings = [self.encode(prompt, max_sequence_length) for prompt in prompts]
        tokens = torch.cat([e.tokens for e in embeddings]).to(device=self._device, dtype=self._dtype)
        pooled = torch.cat([e.pooled for e in embeddings]).to(device=self._device, dtype=self._dtype)
        return tokens, pooled

"""Prompt validation and encoding, once per distinct prompt."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Optional, Protocol, Sequence

import torch
from diffusers import FluxPipeline


@dataclass(frozen=True)
class PromptEmbedding:
    """T5 token embeddings (1, L, D) and the pooled CLIP embedding (1, P) of one prompt."""

    tokens: torch.Tensor
    pooled: torch.Tensor


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
    (see :func:`core.engine.build_engine`), is looked up after memory and keeps
    every new embedding, so a prompt seen in an earlier run is not encoded again.

    The prompts of a request that are in neither cache are encoded together, in one batched
    call. ``load_text_encoders``, when set, is called before that call: a model loaded with
    its T5 deferred (see :mod:`core.model.loading`) loads it only when a prompt misses.
    ``encoder_calls`` counts the prompts encoded, ``encoder_batches`` the encoder calls.
    """

    def __init__(self, pipeline: FluxPipeline, device: torch.device, dtype: torch.dtype, max_entries: int = 64):
        self._pipeline = pipeline
        self._device = device
        self._dtype = dtype
        self._max_entries = max_entries
        self._cache: OrderedDict[tuple[str, int], PromptEmbedding] = OrderedDict()
        self.encoder_calls = 0
        self.encoder_batches = 0
        self.disk_cache: Optional[PromptStore] = None
        self.load_text_encoders: Optional[Callable[[], None]] = None

    def encode(self, prompt: str, max_sequence_length: int) -> PromptEmbedding:
        """The embedding of one prompt (from the cache when it was seen before)."""
        return self.embeddings([prompt], max_sequence_length)[0]

    def embeddings(self, prompts: Sequence[str], max_sequence_length: int) -> list[PromptEmbedding]:
        """One embedding per prompt; the distinct prompts found in no cache are encoded in one call."""
        found: dict[str, PromptEmbedding] = {}
        missing = []
        for prompt in dict.fromkeys(prompts):
            embedding = self._lookup(prompt, max_sequence_length)
            if embedding is None:
                missing.append(prompt)
            else:
                found[prompt] = embedding
        if missing:
            found.update(zip(missing, self._encode_new(missing, max_sequence_length)))
        return [found[prompt] for prompt in prompts]

    def _lookup(self, prompt: str, max_sequence_length: int) -> Optional[PromptEmbedding]:
        key = (prompt, max_sequence_length)
        embedding = self._cache.get(key)
        if embedding is not None:
            self._cache.move_to_end(key)
            return embedding
        embedding = self.disk_cache.get(prompt, max_sequence_length) if self.disk_cache is not None else None
        if embedding is not None:
            self._remember(key, embedding)
        return embedding

    @torch.no_grad()
    def _encode_new(self, prompts: list[str], max_sequence_length: int) -> list[PromptEmbedding]:
        if self.load_text_encoders is not None:
            self.load_text_encoders()
        tokens, pooled, _ = self._pipeline.encode_prompt(
            prompt=prompts, prompt_2=None, device=self._device, max_sequence_length=max_sequence_length
        )
        self.encoder_batches += 1
        self.encoder_calls += len(prompts)
        tokens, pooled = tokens.to("cpu"), pooled.to("cpu")
        embeddings = []
        for row, prompt in enumerate(prompts):
            # clone: a row of the batch would keep the whole batch's storage alive (and in a file).
            embedding = PromptEmbedding(tokens=tokens[row : row + 1].clone(), pooled=pooled[row : row + 1].clone())
            if self.disk_cache is not None:
                self.disk_cache.put(prompt, max_sequence_length, embedding)
            self._remember((prompt, max_sequence_length), embedding)
            embeddings.append(embedding)
        return embeddings

    def _remember(self, key: tuple[str, int], embedding: PromptEmbedding) -> None:
        self._cache[key] = embedding
        while len(self._cache) > self._max_entries:
            self._cache.popitem(last=False)

    def encode_batch(self, prompts: Sequence[str], max_sequence_length: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Stacked (B, L, D) token and (B, P) pooled embeddings on the device, one row per prompt."""
        embeddings = self.embeddings(prompts, max_sequence_length)
        tokens = torch.cat([e.tokens for e in embeddings]).to(device=self._device, dtype=self._dtype)
        pooled = torch.cat([e.pooled for e in embeddings]).to(device=self._device, dtype=self._dtype)
        return tokens, pooled

"""Prompt embeddings on disk, so a restart does not load T5 again for prompts already seen."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from core.model.flux_model import FluxModel
from core.model.prompt_encoding import PromptEmbedding
from core.storage.cache_keys import prompt_key
from core.storage.cache_sizes import DEFAULT_PROMPT_CACHE_BYTES
from core.storage.file_cache import FileCache
from core.storage.paths import cache_dir


class DiskPromptCache:
    """Prompt embeddings of one model on disk (``cache_dir()/prompts``), for
    :class:`~core.model.prompt_encoding.PromptEncoder`.

    Keys come from :func:`core.storage.cache_keys.prompt_key`.
    """

    def __init__(self, model: FluxModel, folder: Optional[Path] = None,
                 max_bytes: int = DEFAULT_PROMPT_CACHE_BYTES) -> None:
        self.files = FileCache(folder or cache_dir() / "prompts", max_bytes)
        self._model = model.identity

    def _key(self, prompt: str, max_sequence_length: int) -> str:
        return prompt_key(self._model, prompt=prompt, max_sequence_length=max_sequence_length)

    def get(self, prompt: str, max_sequence_length: int) -> Optional[PromptEmbedding]:
        """The stored embedding, or None (an entry for another prompt or shape is deleted)."""
        def decode(data: bytes, info: dict) -> PromptEmbedding:
            try:
                tensors = load_tensors(data)
                embedding = PromptEmbedding(tokens=tensors["tokens"], pooled=tensors["pooled"])
            except (SafetensorError, KeyError, ValueError) as error:
                raise ValueError(f"its tensors cannot be read ({type(error).__name__})") from None
            if [list(embedding.tokens.shape), list(embedding.pooled.shape)] != info.get("shapes") or \
                    info.get("prompt") != prompt or info.get("max_sequence_length") != max_sequence_length:
                raise ValueError("its metadata disagrees with the prompt asked for")
            if embedding.tokens.shape[:2] != (1, max_sequence_length) or not all(
                    bool(torch.isfinite(t).all()) for t in (embedding.tokens, embedding.pooled)):
                raise ValueError("its embeddings have the wrong length or are not finite")
            return embedding

        return self.files.read_checked(self._key(prompt, max_sequence_length), decode)

    def put(self, prompt: str, max_sequence_length: int, embedding: PromptEmbedding) -> None:
        """Store an embedding."""
        tensors = {"tokens": embedding.tokens.contiguous(), "pooled": embedding.pooled.contiguous()}
        shapes = [list(embedding.tokens.shape), list(embedding.pooled.shape)]
        self.files.write(self._key(prompt, max_sequence_length), save_tensors(tensors),
                         {"shapes": shapes, "prompt": prompt, "max_sequence_length": max_sequence_length})

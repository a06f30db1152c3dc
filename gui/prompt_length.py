"""Prompts longer than the text encoders read are cut: say so in the panel before the edit runs.

FLUX reads at most 77 CLIP tokens and ``max_sequence_length`` T5 tokens (512 at most);
the rest of a longer prompt is silently dropped. The counter uses the loaded model's own
tokenizers (copies, so the UI thread never shares them with the worker).
"""

from __future__ import annotations

import copy
from typing import Any, Optional

CLIP_TOKENS = 77


class TokenCounter:
    """Counts a prompt's tokens with the model's CLIP and T5 tokenizers."""

    def __init__(self, clip_tokenizer: Any, t5_tokenizer: Any) -> None:
        self._clip = clip_tokenizer
        self._t5 = t5_tokenizer
        self.clip_limit = min(int(getattr(clip_tokenizer, "model_max_length", CLIP_TOKENS) or CLIP_TOKENS),
                              CLIP_TOKENS)

    @classmethod
    def for_pipeline(cls, pipeline: Any) -> Optional["TokenCounter"]:
        """A counter with copies of ``pipeline``'s tokenizers (None when it has none)."""
        clip, t5 = getattr(pipeline, "tokenizer", None), getattr(pipeline, "tokenizer_2", None)
        if clip is None or t5 is None:
            return None
        return cls(copy.deepcopy(clip), copy.deepcopy(t5))

    def _count(self, tokenizer: Any, text: str) -> int:
        return len(tokenizer(text, truncation=False)["input_ids"])

    def warning(self, prompt: str, max_sequence_length: int) -> Optional[str]:
        """One line when ``prompt`` is cut by either encoder, else None."""
        clip = self._count(self._clip, prompt)
        t5 = self._count(self._t5, prompt)
        cut = []
        if clip > self.clip_limit:
            cut.append(f"CLIP reads {self.clip_limit} of its {clip} tokens")
        if t5 > max_sequence_length:
            cut.append(f"T5 reads {max_sequence_length} of its {t5} tokens")
        if not cut:
            return None
        return f"“{prompt[:30]}…” is too long and will be cut: {'; '.join(cut)}. Shorten it" + (
            "." if clip > self.clip_limit else " or raise Text tokens (Advanced).")

"""What a prompt must be, checked without torch (the command line and batch use it before any model loads)."""

from __future__ import annotations

from core.errors import ParameterError

MAX_PROMPT_CHARS = 4000


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

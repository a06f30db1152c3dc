"""What a prompt and its text length must be, checked without torch (the command line and
batch use it before any model loads)."""

from __future__ import annotations

from core.api.errors import ParameterError

MAX_PROMPT_CHARS = 4000
# T5's longest input in FLUX, and the text length FLUX prompts are encoded to by default.
MAX_SEQUENCE_LENGTH = 512


def check_prompt(prompt: str, what: str = "prompt") -> str:
    """Refuse empty or absurdly long prompts; return the prompt stripped of outer spaces."""
    if not isinstance(prompt, str) or not prompt.strip():
        raise ParameterError(f"the {what} is empty: describe the image in a few words")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise ParameterError(
            f"the {what} is {len(prompt)} characters long; keep it under {MAX_PROMPT_CHARS} "
            f"(the text encoder reads at most {MAX_SEQUENCE_LENGTH} tokens)"
        )
    return prompt.strip()


def check_max_sequence_length(value: object, what: str = "max sequence length") -> int:
    """A text length in T5 tokens: a whole number from 1 to :data:`MAX_SEQUENCE_LENGTH`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SEQUENCE_LENGTH:
        raise ParameterError(f"{what} must be between 1 and {MAX_SEQUENCE_LENGTH} (got {str(value)[:40]})")
    return value

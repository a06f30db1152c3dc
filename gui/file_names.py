"""File names suggested from prompts ("a photo of a dog in snow" -> "a-photo-of-a-dog-in-snow")."""

from __future__ import annotations

import re

MAX_STEM = 48


def file_stem(text: str) -> str:
    """A short, safe file name stem from ``text`` (letters, digits and dashes; '' when none)."""
    words = re.findall(r"[A-Za-z0-9]+", text.lower())
    stem = ""
    for word in words:
        candidate = f"{stem}-{word}" if stem else word
        if len(candidate) > MAX_STEM:
            break
        stem = candidate
    return stem or (words[0][:MAX_STEM] if words else "")

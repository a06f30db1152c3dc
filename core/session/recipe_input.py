"""The prompt a photo's embedded recipe suggests, taken only when it really is text.

A photo carries metadata its author chose, so the recipe is untrusted: a recipe that is
not a JSON table, or whose prompt is not a string (a list, a number, ``true``, ``NaN``),
is ignored with a log line and the photo opens with an empty prompt.
"""

from __future__ import annotations

import logging
from pathlib import Path

from core.session.manifest_schema import MAX_TEXT_CHARS
from core.storage.png_files import read_recipe

log = logging.getLogger(__name__)


def embedded_prompt(path: str | Path) -> str:
    """The ``prompt`` of the recipe embedded in ``path``, or "" when there is no usable one."""
    try:
        recipe = read_recipe(path)
    except Exception as error:  # PIL's and the JSON checks' many error types: the recipe is optional
        log.warning("ignoring the recipe in %s: %s", Path(path).name, str(error).splitlines()[0] if str(error) else
                    type(error).__name__)
        return ""
    prompt = recipe.get("prompt") if recipe else None
    if prompt is None:
        return ""
    if not isinstance(prompt, str) or len(prompt) > MAX_TEXT_CHARS:
        log.warning("ignoring the recipe in %s: its prompt is not text", Path(path).name)
        return ""
    return prompt

"""Removing secrets (Hugging Face tokens) from any text before it is shown, logged or saved."""

from __future__ import annotations

import logging
import re

REDACTED = "***"
# Hugging Face user and organisation tokens ("hf_...", older "api_org_...").
_TOKEN = re.compile(r"\b(?:hf|api_org)_[A-Za-z0-9]{6,}")
# The value of any option that looks like a token option, however misspelt or abbreviated:
# "--hf_tokn VALUE", "--hf=VALUE", "--token VALUE" (a following option or "(see" is not a value).
_TOKEN_OPTION = re.compile(r"(--?[\w-]*(?:hf|token)[\w-]*)(=|\s+)(?![-(])(\S+)", re.IGNORECASE)


def _redact_value(match: re.Match) -> str:
    if match.group(1).lower().endswith("file"):  # --hf-token-file names a path, not a secret
        return match.group(0)
    return f"{match.group(1)}{match.group(2)}{REDACTED}"


def redact_secrets(text: str) -> str:
    """``text`` with every token, and every value given to a token-like option, replaced by ***."""
    return _TOKEN.sub(REDACTED, _TOKEN_OPTION.sub(_redact_value, text))


class RedactingFormatter(logging.Formatter):
    """A log formatter whose lines (tracebacks included) never hold a token."""

    def format(self, record: logging.LogRecord) -> str:
        return redact_secrets(super().format(record))

"""Every prompt the user ran, newest first, persisted as JSON under the data folder (no Qt)."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from core.storage.atomic import atomic_write_text
from core.storage.paths import data_dir

HISTORY_FILE = "prompt_history.json"
MAX_ENTRIES = 1000
PROMPT_KINDS = ("source", "edit")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PromptEntry:
    """One prompt: ``kind`` says whether it described an image ("source") or a change ("edit")."""

    text: str
    kind: str
    last_used: float
    uses: int = 1


class PromptHistory:
    """The prompts used, most recent first; using a prompt again moves it to the top (with the
    kind it was last used as)."""

    def __init__(self, path: Optional[Path] = None) -> None:
        self.path = path or data_dir() / HISTORY_FILE
        self._entries: list[PromptEntry] = self._read()

    def _read(self) -> list[PromptEntry]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            entries = [PromptEntry(str(item["text"]), str(item["kind"]), float(item["last_used"]), int(item["uses"]))
                       for item in data["prompts"]]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("ignoring unreadable prompt history %s: %s", self.path, error)
            return []
        entries = [entry for entry in entries if entry.kind in PROMPT_KINDS and entry.text.strip()]
        return sorted(entries, key=lambda entry: entry.last_used, reverse=True)[:MAX_ENTRIES]

    def entries(self, query: str = "") -> list[PromptEntry]:
        """Newest first; with ``query``, only prompts containing every word of it (any case)."""
        words = query.lower().split()
        return [entry for entry in self._entries if all(word in entry.text.lower() for word in words)]

    def record(self, text: str, kind: str) -> None:
        """Note that ``text`` was used as a ``kind`` prompt now, and save."""
        if kind not in PROMPT_KINDS:
            raise ValueError(f"unknown prompt kind {kind!r}")
        text = " ".join(text.split())
        if not text:
            return
        old = next((entry for entry in self._entries if entry.text == text), None)
        uses = old.uses + 1 if old else 1
        self._entries = [PromptEntry(text, kind, time.time(), uses)] + [e for e in self._entries if e is not old]
        del self._entries[MAX_ENTRIES:]
        self.save()

    def save(self) -> None:
        """Write the history atomically; a failed write (a full disk) is logged and never stops an edit."""
        payload = {"version": 1, "prompts": [asdict(entry) for entry in self._entries]}
        try:
            # What the user typed is theirs alone, whatever the umask.
            atomic_write_text(self.path, json.dumps(payload, indent=1, ensure_ascii=False), private=True)
        except OSError as error:
            log.warning("could not save the prompt history to %s: %s", self.path, error)

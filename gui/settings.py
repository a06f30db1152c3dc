"""The editor's settings, persisted as JSON under the config folder (no Qt, no torch)."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from core.model.captioning import DEFAULT_CAPTION_MODEL
from core.model.host_memory import default_kv_cache_gb
from core.storage.atomic import atomic_write_text
from core.storage.paths import cache_dir, config_dir

SETTINGS_FILE = "settings.json"
MAX_RECENT_FILES = 10
TINY_MODEL = "tiny-random"
log = logging.getLogger(__name__)


@dataclass
class AppSettings:
    """What the user chose, kept across restarts. A Hugging Face token is never stored here.

    ``model`` is empty until a model is chosen (a Hugging Face id, a local folder or
    ``tiny-random``). ``default_steps`` 0 means each method's own default.
    ``window_geometry`` / ``window_state`` are Qt's saveGeometry/saveState, base64.
    """

    model: str = ""
    device: str = "auto"
    precision: str = "auto"
    memory_mode: str = "auto"
    weights: str = "model"
    kv_cache_gb: float = field(default_factory=default_kv_cache_gb)  # a quarter of the free host memory
    compile_transformer: bool = False  # regional torch.compile (core/model/speed_options.py)
    attention_backend: str = "native"
    cache_folder: str = ""
    cache_size_gb: float = 20.0
    default_steps: int = 0
    caption_model: str = DEFAULT_CAPTION_MODEL  # writes "Describe the image" for a photo opened without one
    export_quality: int = 95  # JPEG and WebP exports, 1-100
    export_original_size: bool = True  # export at the opened photo's size (else the working size)
    recent_files: list[str] = field(default_factory=list)
    window_geometry: str = ""
    window_state: str = ""

    def cache_root(self) -> Path:
        """The folder holding the latent and prompt caches (the chosen one or the default)."""
        return Path(self.cache_folder).expanduser() if self.cache_folder else cache_dir()

    def add_recent_file(self, path: str | Path) -> None:
        """Put ``path`` first in the recent files (no duplicates, at most MAX_RECENT_FILES)."""
        text = str(Path(path).expanduser().resolve())
        self.recent_files = [text] + [item for item in self.recent_files if item != text]
        del self.recent_files[MAX_RECENT_FILES:]


def settings_path() -> Path:
    """The settings file."""
    return config_dir() / SETTINGS_FILE


def _coerce(data: dict[str, Any]) -> dict[str, Any]:
    """Keep known keys whose values have the default's type (a hand-edited file cannot crash us)."""
    defaults = AppSettings()
    kept = {}
    for item in fields(AppSettings):
        if item.name not in data:
            continue
        value, default = data[item.name], getattr(defaults, item.name)
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is type(default):
            kept[item.name] = value
    if not 1 <= kept.get("export_quality", 95) <= 100:
        del kept["export_quality"]
    if "recent_files" in kept:
        kept["recent_files"] = [str(item) for item in kept["recent_files"] if isinstance(item, str)]
    return kept


def load_settings() -> AppSettings:
    """The saved settings, or defaults when there are none or the file is unreadable."""
    path = settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return AppSettings()
    except (OSError, ValueError) as error:
        log.warning("ignoring unreadable settings file %s: %s", path, error)
        return AppSettings()
    return AppSettings(**_coerce(data)) if isinstance(data, dict) else AppSettings()


_saves = 0  # how many times save_settings has run in this process
_writing = threading.RLock()  # one writer at a time, so a check-then-save is not overtaken


def save_settings_unless_saved_since(settings: AppSettings, count: int) -> bool:
    """Save ``settings`` (an older copy, written late by another thread) only when no save has
    happened since :func:`settings_saved_count` returned ``count``: a later save holds newer values."""
    with _writing:
        return _saves == count and save_settings(settings)


def settings_saved_count() -> int:
    """How many times this process has saved the settings."""
    return _saves


def save_settings(settings: AppSettings) -> bool:
    """Write the settings atomically; False (and a log line) when the disk refuses, since losing
    a layout or a recent file must never stop opening, editing or quitting."""
    global _saves
    with _writing:
        _saves += 1
        try:
            atomic_write_text(settings_path(), json.dumps(asdict(settings), indent=2, sort_keys=True))
        except OSError as error:
            log.warning("could not save the settings to %s: %s", settings_path(), error)
            return False
        return True

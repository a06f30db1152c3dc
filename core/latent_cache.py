"""Disk caches: inversion trajectories and prompt embeddings that survive a restart.

Each entry is a safetensors file plus a JSON file with its size, checksum and shapes,
both written atomically (data first; the JSON marks a complete entry). A damaged entry
(truncated, garbled, or not matching its JSON) is deleted and treated as a miss, so it is
recomputed, never a crash. Each cache keeps under its byte cap by evicting the least
recently used entries; a read marks an entry as used by touching its JSON file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from pathlib import Path
from typing import Optional

from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

from core.atomic import atomic_write_bytes, atomic_write_text
from core.cache_keys import CACHE_FORMAT_VERSION
from core.engine import Engine
from core.model import FluxModel
from core.paths import cache_dir
from core.prompts import PromptEmbedding
from core.session.trajectory_files import trajectory_from_bytes, trajectory_to_bytes
from core.trajectory import Trajectory

DEFAULT_LATENT_CACHE_BYTES = 20 * 1000**3
DEFAULT_PROMPT_CACHE_BYTES = 2 * 1000**3
# Leftovers of a killed writer (temp files, data without its JSON) older than this are removed.
STALE_SECONDS = 3600
_DATA = ".safetensors"
_INFO = ".json"
_KEY = re.compile(r"[0-9a-f]{16,128}")
log = logging.getLogger(__name__)


class FileCache:
    """Byte entries with JSON metadata in one folder, checked on read, LRU-evicted to ``max_bytes``."""

    def __init__(self, folder: Path, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError("a cache needs a positive size cap")
        self.folder = Path(folder)
        self.max_bytes = max_bytes
        self.hits = self.misses = self.recovered = 0

    def _paths(self, key: str) -> tuple[Path, Path]:
        if not _KEY.fullmatch(key):
            raise ValueError(f"bad cache key {key!r}")
        return self.folder / f"{key}{_DATA}", self.folder / f"{key}{_INFO}"

    def read(self, key: str) -> Optional[tuple[bytes, dict]]:
        """The entry's bytes and metadata, or None (a damaged entry is deleted first)."""
        data_path, info_path = self._paths(key)
        try:
            info_text = info_path.read_text(encoding="utf-8")
        except OSError:  # not cached (or the cache folder is unusable)
            self.misses += 1
            return None
        try:
            info = json.loads(info_text)
            data = data_path.read_bytes()
        except (OSError, ValueError):  # garbled JSON, or the data file is gone
            return self._discard_unless_rewritten(key, info_text)
        if not isinstance(info, dict) or len(data) != info.get("bytes") or \
                hashlib.sha256(data).hexdigest() != info.get("sha256"):
            return self._discard_unless_rewritten(key, info_text)
        try:
            os.utime(info_path)  # least recently used = oldest JSON modification time
        except OSError:
            pass
        self.hits += 1
        return data, info

    def _discard_unless_rewritten(self, key: str, info_text: str) -> None:
        """Discard a damaged entry, unless another process replaced it while it was being read.

        Several processes (a multi-GPU batch) share the cache: a writer may replace the data
        between a reader's two reads, which looks like damage but is a new, whole entry.
        """
        try:
            rewritten = self._paths(key)[1].read_text(encoding="utf-8") != info_text
        except OSError:
            rewritten = False
        if rewritten:
            self.misses += 1
            return None
        return self.discard_damaged(key)

    def discard_damaged(self, key: str) -> None:
        """Delete an entry found damaged; it counts as a miss."""
        log.warning("cache entry %s in %s is damaged; it will be recomputed", key[:12], self.folder)
        self.recovered += 1
        self.misses += 1
        self.discard(key)

    def discard(self, key: str) -> None:
        """Delete an entry (missing files are fine; a file that cannot be deleted is left)."""
        for path in self._paths(key):
            try:
                path.unlink(missing_ok=True)
            except OSError as error:
                log.warning("could not delete cache file %s: %s", path, error)

    def write(self, key: str, data: bytes, info: dict) -> bool:
        """Store an entry, then evict down to the cap; False when it was not stored.

        An entry larger than the cap is not stored; a disk error is logged, never raised
        (the cache only saves time).
        """
        data_path, info_path = self._paths(key)
        if len(data) > self.max_bytes:
            return False
        info = {**info, "key": key, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                "created_at": time.time(), "format": CACHE_FORMAT_VERSION}
        try:
            atomic_write_bytes(data_path, data)
            atomic_write_text(info_path, json.dumps(info, sort_keys=True))
            self.evict()
        except OSError as error:
            log.warning("could not write to the cache in %s: %s", self.folder, error)
            self.discard(key)
            return False
        return True

    def size_bytes(self) -> int:
        """Bytes used by every file in the folder."""
        total = 0
        for path in self._files():
            try:
                total += path.stat().st_size
            except FileNotFoundError:
                pass
        return total

    def _files(self) -> list[Path]:
        try:
            return [path for path in self.folder.iterdir() if path.is_file()]
        except FileNotFoundError:
            return []

    def evict(self) -> None:
        """Delete stale leftovers, then least recently used entries until under the cap."""
        now = time.time()
        entries: dict[str, list] = {}  # key -> [last used, bytes]
        loose = 0
        for path in self._files():
            try:
                stat = path.stat()
            except FileNotFoundError:  # deleted meanwhile by another process's eviction
                continue
            key = path.name[: -len(_INFO)] if path.name.endswith(_INFO) else None
            if key is not None and _KEY.fullmatch(key):
                entry = entries.setdefault(key, [0.0, 0])
                entry[0] = stat.st_mtime
                entry[1] += stat.st_size
            elif path.name.endswith(_DATA) and (self.folder / (path.name[: -len(_DATA)] + _INFO)).exists():
                entries.setdefault(path.name[: -len(_DATA)], [0.0, 0])[1] += stat.st_size
            elif now - stat.st_mtime > STALE_SECONDS:
                path.unlink(missing_ok=True)  # a killed writer's temp file or half entry
            else:
                loose += stat.st_size  # maybe being written right now by another process
        total = loose + sum(size for _, size in entries.values())
        for key, (_, size) in sorted(entries.items(), key=lambda item: item[1][0]):
            if total <= self.max_bytes:
                break
            self.discard(key)
            total -= size


class DiskLatentCache:
    """An :class:`~core.methods.base.InversionStore` on disk (``cache_dir()/latents`` by default).

    Keys come from :func:`core.cache_keys.inversion_key`.
    """

    def __init__(self, folder: Optional[Path] = None, max_bytes: int = DEFAULT_LATENT_CACHE_BYTES) -> None:
        self.files = FileCache(folder or cache_dir() / "latents", max_bytes)

    def get(self, key: str) -> Optional[Trajectory]:
        """The stored trajectory, or None on a miss or a damaged entry (which is deleted)."""
        entry = self.files.read(key)
        if entry is None:
            return None
        data, info = entry
        try:
            trajectory = trajectory_from_bytes(data)
        except ValueError:
            return self.files.discard_damaged(key)
        if list(trajectory.latents.shape) != info.get("shape"):
            return self.files.discard_damaged(key)
        return trajectory

    def put(self, key: str, trajectory: Trajectory) -> None:
        """Store ``trajectory`` under ``key`` (skipped when it alone exceeds the cap)."""
        info = {"shape": list(trajectory.latents.shape), "dtype": str(trajectory.latents.dtype),
                "prompt": trajectory.prompt, "height": trajectory.height, "width": trajectory.width}
        self.files.write(key, trajectory_to_bytes(trajectory), info)


class DiskPromptCache:
    """Prompt embeddings of one model on disk (``cache_dir()/prompts``), for :class:`~core.prompts.PromptEncoder`.

    Keys cover the model id and revision, dtype, device type, prompt and max sequence length.
    """

    def __init__(self, model: FluxModel, folder: Optional[Path] = None,
                 max_bytes: int = DEFAULT_PROMPT_CACHE_BYTES) -> None:
        self.files = FileCache(folder or cache_dir() / "prompts", max_bytes)
        self._model_fields = {"model": model.model_id, "revision": model.revision, "dtype": str(model.dtype),
                              "device": model.device.type, "format": CACHE_FORMAT_VERSION}

    def _key(self, prompt: str, max_sequence_length: int) -> str:
        fields = {**self._model_fields, "prompt": prompt, "max_sequence_length": max_sequence_length}
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()

    def get(self, prompt: str, max_sequence_length: int) -> Optional[PromptEmbedding]:
        """The stored embedding, or None."""
        key = self._key(prompt, max_sequence_length)
        entry = self.files.read(key)
        if entry is None:
            return None
        try:
            tensors = load_tensors(entry[0])
            embedding = PromptEmbedding(tokens=tensors["tokens"], pooled=tensors["pooled"])
        except Exception:  # safetensors' own error types for damaged bytes
            return self.files.discard_damaged(key)
        if [list(embedding.tokens.shape), list(embedding.pooled.shape)] != entry[1].get("shapes"):
            return self.files.discard_damaged(key)
        return embedding

    def put(self, prompt: str, max_sequence_length: int, embedding: PromptEmbedding) -> None:
        """Store an embedding."""
        tensors = {"tokens": embedding.tokens.contiguous(), "pooled": embedding.pooled.contiguous()}
        shapes = [list(embedding.tokens.shape), list(embedding.pooled.shape)]
        self.files.write(self._key(prompt, max_sequence_length), save_tensors(tensors), {"shapes": shapes})


def cached_engine(model: FluxModel, latent_cache_bytes: int = DEFAULT_LATENT_CACHE_BYTES) -> Engine:
    """An engine whose photo inversions and prompt embeddings are cached on disk."""
    model.prompt_encoder.disk_cache = DiskPromptCache(model)
    return Engine(model, DiskLatentCache(max_bytes=latent_cache_bytes))

"""A folder of cache entries that survive a restart: the storage under the inversion and prompt caches.

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
from typing import Callable, Optional, TypeVar

from core.storage.atomic import atomic_write_bytes, atomic_write_text
from core.storage.cache_concurrency import READ_ATTEMPTS, claim_key, info_rewritten, lock_path
from core.storage.cache_keys import CACHE_FORMAT_VERSION

# Leftovers of a killed writer (temp files, data without its JSON) older than this are removed.
STALE_SECONDS = 3600
_DATA = ".safetensors"
_INFO = ".json"
_KEY = re.compile(r"[0-9a-f]{16,128}")
log = logging.getLogger(__name__)
T = TypeVar("T")


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
        """The entry's bytes and metadata, or None.

        An entry that cannot be read (garbled bytes or JSON, not UTF-8, data missing or not
        matching its checksum, another key or cache format in its metadata) is deleted first;
        but while another process is rewriting it (its JSON changes, or a writer holds the key),
        it is read again instead: under several busy writers a reader can see a mismatch many
        times in a row, and only an entry that stays wrong is damaged.
        """
        data_path, info_path = self._paths(key)
        for attempt in range(READ_ATTEMPTS + 1):
            try:
                info_bytes = info_path.read_bytes()
            except OSError:  # not cached (or the cache folder is unusable)
                self.misses += 1
                return None
            entry, problem = self._parse(key, info_bytes, data_path)
            if problem is None:
                try:
                    os.utime(info_path)  # least recently used = oldest JSON modification time
                except OSError:
                    pass
                self.hits += 1
                return entry
            if attempt == READ_ATTEMPTS or not info_rewritten(info_path, info_bytes, lock=lock_path(self.folder, key)):
                return self.discard_damaged(key, problem)
        return None

    @staticmethod
    def _parse(key: str, info_bytes: bytes, data_path: Path) -> tuple[Optional[tuple[bytes, dict]], Optional[str]]:
        """(entry, None) when the data matches its metadata, else (None, what is wrong)."""
        try:
            info = json.loads(info_bytes.decode("utf-8"))
            data = data_path.read_bytes()
        except (OSError, ValueError):  # garbled or non-UTF-8 JSON, or the data file is gone
            return None, "its metadata or data cannot be read"
        if not isinstance(info, dict) or info.get("key") != key or info.get("format") != CACHE_FORMAT_VERSION:
            return None, "its metadata belongs to another key or cache format"
        if len(data) != info.get("bytes") or hashlib.sha256(data).hexdigest() != info.get("sha256"):
            return None, "its data does not match its checksum"
        return (data, info), None

    def read_checked(self, key: str, decode: Callable[[bytes, dict], T]) -> Optional[T]:
        """The entry as ``decode(data, info)`` makes it, or None on a miss. When ``decode`` raises
        ValueError (its message says why the entry is unusable), the entry is deleted: a miss."""
        entry = self.read(key)
        if entry is None:
            return None
        try:
            return decode(*entry)
        except ValueError as error:
            return self.discard_damaged(key, str(error))

    def discard_damaged(self, key: str, reason: str = "it is damaged") -> None:
        """Delete an entry that cannot be used (``reason`` says why); it counts as a miss, not a hit."""
        log.warning("cache entry %s in %s is not usable (%s); it will be recomputed", key[:12], self.folder, reason)
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
            lock = claim_key(self.folder, key)
            if lock is None:
                return False  # another process is storing this very entry
            try:
                atomic_write_bytes(data_path, data)
                atomic_write_text(info_path, json.dumps(info, sort_keys=True))
            finally:
                lock.release()
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

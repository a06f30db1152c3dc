"""The disk cache shared by several writers (the processes of a multi-GPU batch)."""

from __future__ import annotations

import threading
from pathlib import Path

from core.storage.file_cache import FileCache

KEY = "ab" * 32


def test_an_entry_replaced_while_it_is_read_is_not_deleted(tmp_path, monkeypatch):
    reader, writer = FileCache(tmp_path, 10_000), FileCache(tmp_path, 10_000)
    writer.write(KEY, b"old entry", {})
    data_path = tmp_path / f"{KEY}.safetensors"
    original_read_bytes = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path == data_path:  # another process stores a new version between the reader's two reads
            monkeypatch.setattr(Path, "read_bytes", original_read_bytes)
            writer.write(KEY, b"the new entry", {})
        return original_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    entry = reader.read(KEY)  # read again once the other writer is done: not damage
    assert entry is not None and entry[0] == b"the new entry" and reader.recovered == 0
    assert reader.read(KEY)[0] == b"the new entry"  # the other writer's entry survived


def test_a_damaged_entry_is_still_deleted(tmp_path):
    cache = FileCache(tmp_path, 10_000)
    cache.write(KEY, b"entry", {})
    (tmp_path / f"{KEY}.safetensors").write_bytes(b"garbled")
    assert cache.read(KEY) is None and cache.recovered == 1
    assert not list(tmp_path.iterdir())


def test_concurrent_writers_and_readers_only_ever_see_whole_entries(tmp_path):
    payloads = {bytes([n]) * (200 + n) for n in range(8)}
    keys = [f"{n:064x}" for n in range(6)]
    errors: list[BaseException] = []
    seen: list[bytes] = []

    def work(seed: int) -> None:
        cache = FileCache(tmp_path, 1500)  # small cap: writers evict each other's entries
        try:
            for step in range(150):
                key = keys[(seed + step) % len(keys)]
                if step % 2:
                    cache.write(key, sorted(payloads)[(seed * 7 + step) % len(payloads)], {})
                else:
                    entry = cache.read(key)
                    if entry is not None:
                        seen.append(entry[0])
        except BaseException as error:  # noqa: BLE001 (collected for the assertion)
            errors.append(error)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert seen and all(data in payloads for data in seen)
    assert FileCache(tmp_path, 1500).size_bytes() <= 1500 + 4 * 300  # entries in flight may exceed the cap briefly

"""Several processes writing and reading one cache key never make a reader discard a valid entry."""

import multiprocessing
import os

import pytest

from core.storage.file_cache import FileCache

KEY = "ab" * 32
PROCESSES = 4
ROUNDS = 60


def _writer_reader(folder: str, seed: int, results) -> None:
    cache = FileCache(folder, 10**9)
    payload_size = 20_000 + seed * 1000  # each process writes different (but valid) bytes
    discarded = misses = 0
    for round_index in range(ROUNDS):
        cache.write(KEY, os.urandom(payload_size), {"round": round_index})
        before = cache.recovered
        if cache.read(KEY) is None:
            misses += 1
        discarded += cache.recovered - before
    results.put((discarded, misses))


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork for speed")
def test_concurrent_writers_of_one_key_never_make_readers_discard_valid_entries(tmp_path):
    assert FileCache(tmp_path, 10**9).write(KEY, os.urandom(1000), {"round": -1})  # so a miss means a discard
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_writer_reader, args=(str(tmp_path), seed, results))
               for seed in range(PROCESSES)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert all(worker.exitcode == 0 for worker in workers)
    assert sum(discarded for discarded, _ in outcomes) == 0, outcomes
    assert sum(misses for _, misses in outcomes) == 0, outcomes
    assert FileCache(tmp_path, 10**9).read(KEY) is not None


def test_a_reader_waits_for_a_writer_held_between_its_two_files_longer_than_the_settle_time(tmp_path):
    """A loaded disk can stall a writer after its data and before its JSON for longer than the
    reader's settle time: while the writer holds the key, the reader waits instead of discarding."""
    import threading
    import time

    from core.storage.atomic import atomic_write_bytes
    from core.storage.cache_concurrency import SETTLE_SECONDS, claim_key

    cache = FileCache(tmp_path, 10**9)
    assert cache.write(KEY, b"old" * 100, {"round": 0})
    new = b"new" * 200
    lock = claim_key(tmp_path, KEY)
    data_path, info_path = cache._paths(KEY)
    atomic_write_bytes(data_path, new)  # the new data is in place under the old JSON

    def finish_later() -> None:
        time.sleep(SETTLE_SECONDS * 2)
        helper = FileCache(tmp_path / "elsewhere", 10**9)
        helper.write(KEY, new, {"round": 1})
        os.replace(helper._paths(KEY)[1], info_path)  # the writer's JSON, written after the stall
        lock.release()

    writer = threading.Thread(target=finish_later)
    writer.start()
    entry = cache.read(KEY)
    writer.join()
    assert cache.recovered == 0 and entry is not None and entry[0] == new


def test_a_reader_that_sees_an_entry_rewritten_many_times_in_a_row_does_not_discard_it(tmp_path, monkeypatch):
    """Among busy writers a reader can see data newer than the JSON it read many times running
    (seen once in CI as five in a row); each time the JSON has changed, so the entry is alive."""
    cache = FileCache(tmp_path, 10**9)
    assert cache.write(KEY, b"v0" * 500, {"round": 0})
    real_parse = FileCache._parse
    rewrites = {"count": 0}

    def parse_while_another_writer_works(key, info_bytes, data_path):
        if rewrites["count"] < 8:  # another process has replaced the data and is writing its JSON
            rewrites["count"] += 1
            assert cache.write(KEY, b"v%d" % rewrites["count"] * 500, {"round": rewrites["count"]})
            return None, "its data does not match its checksum"
        return real_parse(key, info_bytes, data_path)

    monkeypatch.setattr(FileCache, "_parse", staticmethod(parse_while_another_writer_works))
    entry = cache.read(KEY)
    assert entry is not None and entry[1]["round"] == 8
    assert cache.recovered == 0

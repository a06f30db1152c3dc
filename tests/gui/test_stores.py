"""The editor's small stores and texts: settings, prompt history, time-left estimates (no Qt)."""

from __future__ import annotations

import json

from gui.eta import JobProgress, describe_progress, plan_phases
from gui.prompt_history import MAX_ENTRIES, PromptHistory
from gui.settings import MAX_RECENT_FILES, AppSettings, load_settings, save_settings, settings_path


def test_settings_round_trip_and_survive_a_damaged_file(tmp_path):
    settings = AppSettings(model="tiny-random", device="cpu", cache_size_gb=3.5, default_steps=9)
    for index in range(MAX_RECENT_FILES + 2):
        settings.add_recent_file(tmp_path / f"{index}.png")
    settings.add_recent_file(tmp_path / "3.png")
    save_settings(settings)
    loaded = load_settings()
    assert loaded == settings
    assert loaded.recent_files[0].endswith("3.png") and len(loaded.recent_files) == MAX_RECENT_FILES

    settings_path().write_text(json.dumps({"device": 7, "default_steps": 12, "model": "x"}), encoding="utf-8")
    assert load_settings() == AppSettings(default_steps=12, model="x")  # a bad value falls back alone
    settings_path().write_text("{not json", encoding="utf-8")
    assert load_settings() == AppSettings()


def test_prompt_history_is_newest_first_deduplicated_searchable_and_bounded(tmp_path):
    history = PromptHistory(tmp_path / "prompts.json")
    history.record("a photo of a dog", "source")
    history.record("  a dog   wearing a hat ", "edit")
    history.record("a photo of a dog", "source")
    history.record("", "edit")
    assert [(entry.text, entry.uses) for entry in history.entries()] == [
        ("a photo of a dog", 2), ("a dog wearing a hat", 1)]
    assert [entry.text for entry in history.entries("HAT dog")] == ["a dog wearing a hat"]
    assert [entry.text for entry in PromptHistory(tmp_path / "prompts.json").entries()] == [
        "a photo of a dog", "a dog wearing a hat"]
    many = [{"text": f"prompt {index}", "kind": "edit", "last_used": index, "uses": 1} for index in range(MAX_ENTRIES + 5)]
    (tmp_path / "many.json").write_text(json.dumps({"version": 1, "prompts": many}), encoding="utf-8")
    crowded = PromptHistory(tmp_path / "many.json")
    assert len(crowded.entries()) == MAX_ENTRIES and crowded.entries()[0].text == f"prompt {MAX_ENTRIES + 4}"
    crowded.record("one more", "edit")
    assert len(PromptHistory(tmp_path / "many.json").entries()) == MAX_ENTRIES
    (tmp_path / "broken.json").write_text("[1, 2", encoding="utf-8")
    assert PromptHistory(tmp_path / "broken.json").entries() == []


def test_one_bar_and_one_time_left_for_the_whole_job():
    now = [100.0]
    progress = JobProgress(plan_phases("stable-flow", "photo", 50), clock=lambda: now[0])
    assert progress.update("encode", 1, 1) == (1, 102, None)
    assert progress.update("invert", 1, 50)[:2] == (2, 102)
    now[0] += 2.0
    done, total, left = progress.update("invert", 3, 50)
    assert (done, total) == (4, 102)  # one bar over encode, invert, edit and decode
    assert left == 47 * 1.0 + 51 * (2.0 / 3)  # this phase at its rate, the later ones at the job's
    now[0] += 47.0
    progress.update("invert", 50, 50)
    done, total, left = progress.update("edit", 1, 50)
    assert (done, total) == (52, 102) and left is not None and left > 30  # the edit's 50 steps still count
    assert describe_progress("edit", 3, 15, 12.4) == "Editing 3/15 · about 12 s left"
    assert describe_progress("invert", 10, 50, 150) == "Inverting the photo 10/50 · about 2 min left"
    assert describe_progress("decode", 1, 1, 0.0) == "Decoding 1/1"


def test_skipped_and_unplanned_phases_keep_the_bar_whole():
    progress = JobProgress(plan_phases("stable-flow", "photo", 10), clock=lambda: 0.0)
    progress.update("encode", 1, 1)
    assert progress.update("edit", 1, 10)[:2] == (2, 12)  # the inversion came from the cache: dropped
    progress = JobProgress(plan_phases("flowedit", "result", 28), clock=lambda: 0.0)
    progress.update("edit", 24, 24)
    assert progress.update("sample", 1, 4)[:2] == (25, 29)  # FlowEdit's plain tail steps, then decode

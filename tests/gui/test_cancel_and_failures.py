"""Cancelling mid-edit, failing jobs and stale results: the worker thread lives on."""

from __future__ import annotations

import time
from types import SimpleNamespace

import torch
from PySide6.QtCore import Qt

from core.engine import Engine
from core.model.flux_model import FluxModel
from gui.engine_host import EngineHost
from gui.error_messages import OUT_OF_MEMORY
from gui.jobs import LoadModelJob, ModelChoice
from gui.self_test import fill_edit_panel
from gui.settings import TINY_MODEL, AppSettings
from gui.worker import load_flux_model
from tests.gui.helpers import EDIT_TIMEOUT_MS, close_window, edit, open_photo, open_window

LONG_EDIT_STEPS = 1000


def test_cancel_stops_within_one_step_and_the_editor_stays_usable(qtbot, tmp_path):
    models = []

    def recording_loader(choice):
        models.append(load_flux_model(choice))
        return models[-1]

    window = open_window(qtbot, AppSettings(model=TINY_MODEL, device="cpu"), model_loader=recording_loader)
    try:
        open_photo(window, tmp_path)
        fill_edit_panel(window, "a photo of a street", "a photo of a street in snow")
        window.edit_panel.main_params.widgets["steps"].setValue(LONG_EDIT_STEPS)
        steps_seen = []
        window.controller.edit_progress.connect(lambda text, step, total: steps_seen.append((text, step)))
        qtbot.mouseClick(window.edit_panel.edit_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: any(text.startswith("Inverting") and step >= 2 for text, step in steps_seen),
                        timeout=EDIT_TIMEOUT_MS)
        model = models[-1]
        with qtbot.waitSignal(window.controller.edit_cancelled, timeout=EDIT_TIMEOUT_MS):
            calls_at_cancel = model.transformer_calls
            qtbot.mouseClick(window.edit_panel.cancel_button, Qt.MouseButton.LeftButton)
        # The step running when Cancel was pressed may finish; no further step starts.
        assert model.transformer_calls - calls_at_cancel <= 1
        assert model.transformer_calls < 2 * LONG_EDIT_STEPS
        tree = window.controller.tree
        assert tree.children(tree.root_id) == []
        assert window.edit_panel.edit_button.isEnabled() and not window.edit_panel.cancel_button.isEnabled()
        assert window.edit_panel.error_text() == ""  # a cancel is not an error
        ids = edit(qtbot, window, "a photo of a street", "a photo of a street in snow")
        assert ids[0] in window.history_panel.node_ids()
    finally:
        close_window(window)


def fail_first_run(monkeypatch, error: Exception, times: int = 1) -> None:
    """A scripted failure: the engine's first ``times`` runs raise ``error``, later runs are real."""
    real_run = Engine.run
    failures = [error] * times

    def run(self, request, control=None):
        if failures:
            raise failures.pop()
        return real_run(self, request, control)

    monkeypatch.setattr(Engine, "run", run)


def failed_edit_message(qtbot, window) -> str:
    """Run an edit that is expected to fail; the one-line message it reported."""
    with qtbot.waitSignal(window.controller.edit_failed, timeout=EDIT_TIMEOUT_MS) as failed:
        fill_edit_panel(window, "a photo of a street", "a photo of a street in snow")
        window.run_edit()
    return failed.args[0]


def test_out_of_memory_says_to_offload_and_the_next_edit_works(qtbot, window, tmp_path, monkeypatch):
    real_velocity = FluxModel.velocity
    # Twice: the first out-of-memory error is retried once in a lower memory mode.
    failures = [torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")] * 2

    def velocity(self, *args, **kwargs):  # torch's error from inside the engine, which raises its own
        if failures:
            raise failures.pop()
        return real_velocity(self, *args, **kwargs)

    monkeypatch.setattr(FluxModel, "velocity", velocity)
    open_photo(window, tmp_path)
    assert failed_edit_message(qtbot, window) == OUT_OF_MEMORY
    assert window.edit_panel.error_text() == OUT_OF_MEMORY and "offload" in OUT_OF_MEMORY
    assert window.edit_panel.edit_button.isEnabled()
    ids = edit(qtbot, window, "a photo of a street", "a photo of a street in snow")
    assert ids[0] in window.history_panel.node_ids()
    assert window.edit_panel.error_text() == ""


def test_an_internal_error_is_one_line_and_the_thread_lives_on(qtbot, window, tmp_path, monkeypatch):
    fail_first_run(monkeypatch, RuntimeError("something broke inside\nwith a second line"))
    open_photo(window, tmp_path)
    message = failed_edit_message(qtbot, window)
    assert message == "Internal error (RuntimeError: something broke inside); details are in the log."
    assert edit(qtbot, window, "a photo of a street", "a photo of a street in snow")


def test_results_of_forgotten_jobs_are_ignored(qtbot):
    def slow_fake_loader(choice):  # only the loading time matters here
        time.sleep(0.2)
        return SimpleNamespace(model_id=choice.model, device=torch.device("cpu"))

    host = EngineHost(model_loader=slow_fake_loader)
    finished = []
    host.finished.connect(lambda job_id, payload: finished.append(job_id))
    with qtbot.waitSignal(host.engine_ready, timeout=120_000):
        host.start()
    try:
        stale = host.submit(LoadModelJob(host.new_job_id(), ModelChoice("first")))
        host.forget(stale)
        with qtbot.waitSignal(host.finished, timeout=10_000) as done:
            fresh = host.submit(LoadModelJob(host.new_job_id(), ModelChoice("second")))
        assert done.args[0] == fresh
        qtbot.wait(100)
        assert finished == [fresh]
        assert not host.is_live(stale) and not host.is_live(fresh)
    finally:
        host.shutdown()


def start_long_edit(qtbot, window, tmp_path) -> list:
    """Open the photo and start an edit long enough to cancel; returns its progress texts."""
    open_photo(window, tmp_path)
    fill_edit_panel(window, "a photo of a street", "a photo of a street in snow")
    window.edit_panel.main_params.widgets["steps"].setValue(LONG_EDIT_STEPS)
    seen = []
    window.controller.edit_progress.connect(lambda text, step, total: seen.append(text))
    qtbot.mouseClick(window.edit_panel.edit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(text.startswith("Inverting") for text in seen), timeout=EDIT_TIMEOUT_MS)
    return seen


def test_edit_right_after_cancel_runs_once_the_cancelled_one_stopped(qtbot, window, tmp_path):
    start_long_edit(qtbot, window, tmp_path)
    messages = []
    window.controller.edit_progress.connect(lambda *_args: messages.append(window.status.currentMessage()))
    with qtbot.waitSignal(window.controller.edit_finished, timeout=EDIT_TIMEOUT_MS) as finished:
        qtbot.mouseClick(window.edit_panel.cancel_button, Qt.MouseButton.LeftButton)
        assert window.edit_panel.edit_button.isEnabled()  # no waiting for the stop to press Edit again
        window.edit_panel.main_params.widgets["steps"].setValue(4)
        qtbot.mouseClick(window.edit_panel.edit_button, Qt.MouseButton.LeftButton)
    node = window.controller.tree.node(finished.args[0][0])
    assert node.params["steps"] == 4 and node.prompt == "a photo of a street in snow"
    assert messages and "Edit cancelled" not in messages  # no stale status during the new edit
    assert window.edit_panel.error_text() == ""


def test_edit_while_another_runs_says_why_not(qtbot, window, tmp_path):
    start_long_edit(qtbot, window, tmp_path)
    window.run_edit()
    assert "already running" in window.edit_panel.error_text()
    with qtbot.waitSignal(window.controller.edit_cancelled, timeout=EDIT_TIMEOUT_MS):
        window.cancel_edit()
    assert window.status.currentMessage() == "Edit cancelled"

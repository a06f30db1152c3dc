"""The automatic memory mode in the editor: the default, the status bar, and out-of-memory retries."""

from __future__ import annotations

import pytest
import torch

from core.model.memory_auto import CardMemory
import core.model.memory_auto
from gui.error_messages import OUT_OF_MEMORY
from gui.settings import TINY_MODEL, AppSettings
from gui.settings_dialog import SettingsDialog
from gui.worker import load_flux_model
from tests.gui.helpers import close_window, edit, open_photo, open_window
from tests.gui.test_cancel_and_failures import fail_first_run, failed_edit_message


def _recording_window(qtbot):
    choices = []

    def loader(choice):
        choices.append(choice)
        return load_flux_model(choice)

    return open_window(qtbot, AppSettings(model=TINY_MODEL, device="cpu"), model_loader=loader), choices


def test_settings_dialog_offers_automatic_as_the_default(qtbot, window, monkeypatch):
    assert AppSettings().memory_mode == "auto"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # a GPU machine: the modes are offered
    dialog = SettingsDialog(AppSettings(), window)
    assert dialog.memory_mode.currentData() == "auto"
    assert dialog.memory_mode.currentText().startswith("Automatic (chooses")
    assert "fastest mode whose expected peak fits" in dialog.peak_memory.text()
    dialog.memory_mode.setCurrentIndex(dialog.memory_mode.findData("group-offload"))
    assert "Expected peak GPU memory" in dialog.peak_memory.text()


def test_status_bar_names_the_chosen_mode_on_the_cpu(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    edit(qtbot, window, "a photo of a street", "a photo of a street in snow")
    assert "memory: everything in memory (automatic: no CUDA GPU)" in window.status.model_label.text()


def test_a_24_gb_card_gets_fp8_weights_and_the_status_bar_says_why(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(core.model.memory_auto, "card_memory", lambda device: CardMemory(23.3, 24.0))
    window, choices = _recording_window(qtbot)
    try:
        open_photo(window, tmp_path)
        edit(qtbot, window, "a photo of a street", "a photo of a street in snow")
        assert (choices[-1].memory_mode, choices[-1].weights) == ("none", "fp8")
        text = window.status.model_label.text()
        assert "FP8 weights (the faster 16-bit weights needs ~31 GB; this card has 23 GB free)" in text
        edit(qtbot, window, "a photo of a street", "a photo of a street at night")
        assert len(choices) == 1  # the placement still fits: no reload
    finally:
        close_window(window)


def test_out_of_memory_drops_one_mode_retries_once_and_keeps_it(qtbot, tmp_path, monkeypatch):
    window, choices = _recording_window(qtbot)
    try:
        fail_first_run(monkeypatch, torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"))
        open_photo(window, tmp_path)
        ids = edit(qtbot, window, "a photo of a street", "a photo of a street in snow")
        assert ids and ids[0] in window.history_panel.node_ids() and window.edit_panel.error_text() == ""
        assert [(c.memory_mode, c.weights) for c in choices] == [("none", "model"), ("none", "fp8")]
        assert "ran out of GPU memory with 16-bit weights; the edit was retried once" in window.status.model_label.text()
        edit(qtbot, window, "a photo of a street", "a photo of a street at night")
        assert len(choices) == 2  # the lower mode stays
        # Out of memory on the retry too: one line, and the worker edits again afterwards.
        fail_first_run(monkeypatch, torch.cuda.OutOfMemoryError("CUDA out of memory."), times=2)
        assert failed_edit_message(qtbot, window) == OUT_OF_MEMORY
        assert edit(qtbot, window, "a photo of a street", "a photo of a street in fog")
        assert [(c.memory_mode, c.weights) for c in choices][-1] == ("model-cpu-offload", "fp8")
    finally:
        close_window(window)


def test_an_unknown_memory_mode_from_a_settings_file_is_one_clear_line():
    from core.api.errors import ParameterError
    from gui.jobs import ModelChoice

    with pytest.raises(ParameterError, match="unknown memory mode 'turbo' in the settings: choose one in Settings"):
        load_flux_model(ModelChoice("tiny-random", device="cpu", memory_mode="turbo"))

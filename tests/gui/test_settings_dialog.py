"""The settings dialog: values are saved, and device or memory-mode changes reload the model."""

from __future__ import annotations

import torch

from gui.error_messages import describe_error
from gui.settings import load_settings, save_settings
from gui.settings_dialog import SettingsDialog
from PySide6.QtCore import Qt

from tests.gui.helpers import EDIT_TIMEOUT_MS, edit, open_photo


def test_changed_settings_are_saved_and_the_next_edit_reloads_the_model(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    edit(qtbot, window, "a photo of a street", "a photo of a street in snow")

    dialog = SettingsDialog(window.settings, window)
    dialog.memory_mode.setCurrentIndex(dialog.memory_mode.findData("model-cpu-offload"))
    assert dialog.device.currentData() == "cpu" and dialog.weights.currentData() == "model"
    dialog.cache_size.setValue(1.5)
    dialog.default_steps.setValue(6)
    dialog.cache_folder.setText(str(tmp_path / "caches"))
    dialog.apply_to(window.settings)
    save_settings(window.settings)
    saved = load_settings()
    assert (saved.memory_mode, saved.cache_size_gb, saved.default_steps) == ("model-cpu-offload", 1.5, 6)
    assert dialog.default_steps.specialValueText() == "Method default"

    with qtbot.waitSignal(window.controller.model_status, timeout=EDIT_TIMEOUT_MS,
                          check_params_cb=lambda text: text.startswith("Loading")):
        edit(qtbot, window, "a photo of a street in snow", "a photo of a street in snow at night")
    assert any((tmp_path / "caches").rglob("*.safetensors"))  # the caches moved to the chosen folder


def test_dialog_shows_expected_peak_memory_and_keeps_the_re_edit_budget(qtbot, window, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # as on a machine with a GPU
    dialog = SettingsDialog(window.settings, window)
    assert dialog.memory_mode.isEnabled() and dialog.device.model().item(dialog.device.findData("cuda")).isEnabled()
    dialog.memory_mode.setCurrentIndex(dialog.memory_mode.findData("none"))
    dialog.weights.setCurrentIndex(dialog.weights.findData("model"))
    bf16 = dialog.peak_memory.text()
    dialog.weights.setCurrentIndex(dialog.weights.findData("fp8"))
    fp8 = dialog.peak_memory.text()
    assert "31.4 GB" in bf16 and "20.4 GB" in fp8  # FLUX.1-dev at 1024x1024, from core.model.memory_estimate
    dialog.kv_cache.setValue(3)
    dialog.apply_to(window.settings)
    save_settings(window.settings)
    assert load_settings().kv_cache_gb == 3.0
    assert window.controller.model_choice().kv_cache_gb == 3.0


def test_re_edit_budget_reaches_the_engine(tmp_path):
    from gui.jobs import CacheChoice, ModelChoice
    from gui.worker import EngineWorker

    worker = EngineWorker()
    cache = CacheChoice(tmp_path, 1 << 20)
    worker._ensure_model(1, ModelChoice("tiny-random", device="cpu", kv_cache_gb=1.0))
    assert worker._engine_for(cache).source_kv_store.host_budget == 1024**3
    worker._ensure_model(2, ModelChoice("tiny-random", device="cpu"))
    assert worker._engine_for(cache).source_kv_store is None


def test_speed_settings_are_saved_reach_the_model_and_a_bad_backend_is_one_line(qtbot, window):
    from core.api.errors import ParameterError
    from gui.jobs import ModelChoice
    from gui.worker import load_flux_model

    dialog = SettingsDialog(window.settings, window)
    assert not dialog.compile.isChecked() and dialog.attention.currentData() == "native"
    dialog.compile.setChecked(True)
    dialog.attention.setCurrentIndex(dialog.attention.findData("flash"))
    dialog.apply_to(window.settings)
    save_settings(window.settings)
    saved = load_settings()
    assert (saved.compile_transformer, saved.attention_backend) == (True, "flash")
    assert window.controller.model_choice().speed == "attn=flash+compile"

    window.settings.compile_transformer, window.settings.attention_backend = False, "native"
    assert window.controller.model_choice().speed == "eager"
    model = load_flux_model(ModelChoice("tiny-random", device="cpu", speed="attn=_native_math"))
    assert model.pipeline.transformer.transformer_blocks[0].attn.processor is not None
    try:
        import pytest

        with pytest.raises(ParameterError, match="attention backend 'no-such' is not available"):
            load_flux_model(ModelChoice("tiny-random", device="cpu", speed="attn=no-such"))
    finally:
        from core.model.speed_options import apply_speed_options

        apply_speed_options(model, "eager")


def test_a_cpu_only_machine_is_offered_only_what_it_has(qtbot, window, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    window.settings.device = "cuda"  # e.g. settings copied from a GPU machine
    dialog = SettingsDialog(window.settings, window)
    cuda = dialog.device.findData("cuda")
    assert not dialog.device.model().item(cuda).isEnabled()
    assert "CUDA not available" in dialog.device.itemData(cuda, Qt.ItemDataRole.ToolTipRole)
    assert dialog.device.currentData() == "auto"  # not a device that is not there
    assert not dialog.memory_mode.isEnabled() and not dialog.weights.isEnabled()
    assert "No GPU" in dialog.peak_memory.text() and "GB" not in dialog.peak_memory.text()

    from core.api.errors import ParameterError
    from core.model.devices import resolve_device

    try:
        resolve_device("cuda")
    except ParameterError as error:
        message = describe_error(error)
    assert "--device" not in message and "Settings" in message  # the GUI speaks GUI


def test_export_quality_and_size_come_from_the_settings(qtbot, window, tmp_path, monkeypatch):
    from PIL import Image
    from PySide6.QtWidgets import QFileDialog

    from gui.self_test import sample_photo
    from tests.gui.helpers import open_file, wait_for

    photo = tmp_path / "big.png"
    sample_photo(1100).save(photo)  # more than the working size (about a megapixel)
    assert open_file(window, photo)
    dialog = SettingsDialog(window.settings, window)
    dialog.export_quality.setValue(20)
    dialog.export_size.setCurrentIndex(1)
    dialog.apply_to(window.settings)
    assert load_settings().export_quality == 95  # applied, not saved until OK
    save_settings(window.settings)
    assert load_settings().export_quality == 20 and load_settings().export_original_size is False

    target = tmp_path / "photo.jpg"
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: asked.append(args[2]) or (str(target), ""))
    assert wait_for(window.controller.exported, lambda: window.export_current() or True)[1]
    assert asked[0] == str(tmp_path / "big.png")  # starts in the photo's folder, named after it
    low = target.stat().st_size
    window.settings.export_quality = 95
    assert wait_for(window.controller.exported, lambda: window.export_current() or True)[1]
    assert target.stat().st_size > low
    tree = window.controller.tree
    with Image.open(target) as image:
        assert image.size == tree.image(tree.root_id).size != (1100, 1100)  # the working size
    window.settings.export_original_size = True
    assert wait_for(window.controller.exported, lambda: window.export_current() or True)[1]
    with Image.open(target) as image:
        assert image.size == (1100, 1100)

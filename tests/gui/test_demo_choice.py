"""The model setup's demo choice: ready only when the trained weights are there (else one line saying
how to get them), and choosing a model sets the edit panel to its size and text length."""

import pytest

import core.model.demo_weights as shipped
from gui.edit_panel import EditPanel
from gui.model_setup_dialog import ModelSetupDialog


@pytest.fixture
def resources(tmp_path, monkeypatch):
    monkeypatch.setattr(shipped, "resource_path", lambda *parts: tmp_path.joinpath(*parts))
    return tmp_path


def _ok_enabled(dialog) -> bool:
    return dialog.button_box.button(dialog.button_box.StandardButton.Ok).isEnabled()


def test_the_demo_choice_without_its_weights_says_how_to_get_them(qtbot, resources):
    dialog = ModelSetupDialog()
    qtbot.addWidget(dialog)
    dialog.select("demo")
    assert not _ok_enabled(dialog) and not dialog.download_button.isEnabled()
    assert "train-demo-model" in dialog.status.text() and "\n" not in dialog.status.text()
    dialog.select("tiny")  # the random model is always there
    assert _ok_enabled(dialog) and dialog.chosen_model() == "tiny-random"


def test_the_demo_choice_with_its_weights_is_ready(qtbot, resources):
    (resources / "demo-model").mkdir()
    (resources / "demo-model" / "model_index.json").write_text("{}")
    dialog = ModelSetupDialog()
    qtbot.addWidget(dialog)
    dialog.select("demo")
    assert _ok_enabled(dialog) and dialog.chosen_model() == "demo"


def test_choosing_the_demo_then_another_model_sets_and_restores_the_panel_defaults(qtbot):
    panel = EditPanel(0)
    qtbot.addWidget(panel)
    panel.use_model_defaults("demo")
    assert (panel.max_sequence_length.value(), panel.width_box.value(), panel.height_box.value()) == (32, 64, 64)
    panel.use_model_defaults("black-forest-labs/FLUX.1-dev")
    assert (panel.max_sequence_length.value(), panel.width_box.value(), panel.height_box.value()) == (512, 1024, 1024)


def test_with_no_model_set_the_first_choice_fits_the_computer(qtbot, monkeypatch):
    import core.model.devices as devices

    def choice(model="", **kwargs) -> str:
        dialog = ModelSetupDialog(model, **kwargs)
        qtbot.addWidget(dialog)
        return dialog.option().key

    # A CPU-only computer is offered the demo model, not a 34 GB download it cannot run.
    assert choice(has_accelerator=False) == "demo"
    assert choice(has_accelerator=True) == "dev"
    assert choice("black-forest-labs/FLUX.1-schnell", has_accelerator=False) == "schnell"  # a set model stays
    monkeypatch.setattr(devices, "has_accelerator", lambda: False)
    assert choice() == "demo"  # probed when the caller does not say
    monkeypatch.setattr(devices, "has_accelerator", lambda: True)
    assert choice() == "dev"


def test_opening_a_photo_for_the_demo_model_starts_among_its_samples(window, tmp_path):
    from pathlib import Path

    from core.storage.resources import resource_path

    assert window._start_folder(photos=True) == Path.home()  # the tiny model: nothing to suggest
    window.settings.model = "demo"
    assert window._start_folder(photos=True) == resource_path("samples")
    assert window._start_folder() == Path.home()  # projects are not looked for among the samples
    window.photo_path = tmp_path / "mine.png"
    assert window._start_folder(photos=True) == tmp_path  # the folder in use wins

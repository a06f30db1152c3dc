"""The edit panel shows exactly the parameters the engine runs, for every method and start."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from core.session.node import json_safe
from gui.self_test import fill_edit_panel
from gui.settings import TINY_MODEL, AppSettings
from tests.gui.helpers import EDIT_TIMEOUT_MS, close_window, open_photo, open_window

METHODS = ("stable-flow", "flowedit", "flowalign", "sdedit", "dual")
FEW_STEPS = 3


def shown_params(panel) -> dict:
    """Every parameter value the panel shows."""
    return json_safe({**panel.main_params.values(), **panel.advanced_params.values()})


def edit_as_shown(qtbot, window, source_prompt: str, edit_prompt: str, steps: int | None = FEW_STEPS):
    """Fill the prompts (and ``steps`` when the field is editable), press Edit; returns
    (what the panel showed when Edit was pressed, the first new node)."""
    panel = window.edit_panel
    fill_edit_panel(window, source_prompt, edit_prompt, steps)
    shown = shown_params(panel)
    with qtbot.waitSignal(window.controller.edit_finished, timeout=EDIT_TIMEOUT_MS) as finished:
        qtbot.mouseClick(panel.edit_button, Qt.MouseButton.LeftButton)
    return shown, window.controller.tree.node(finished.args[0][0])


@pytest.mark.parametrize("method", METHODS)
def test_every_start_runs_with_the_parameters_shown(qtbot, window, tmp_path, method):
    panel = window.edit_panel
    controller = window.controller

    # Generated start: nothing open.
    panel.set_method(method)
    assert panel.start_kind == "generated"
    shown, node = edit_as_shown(qtbot, window, "a photo of a dog", "a photo of a cat")
    assert node.params == shown

    # A photo.
    controller.mark_saved()
    open_photo(window, tmp_path)
    panel.set_method(method)
    assert panel.start_kind == "photo"
    shown, node = edit_as_shown(qtbot, window, "a photo of a street", "a photo of a street in snow")
    assert node.params == shown

    # A known Stable Flow result (made with 5 steps), edited along its trajectory.
    controller.set_current(controller.tree.root_id)
    panel.set_method("stable-flow")
    _, known = edit_as_shown(qtbot, window, "a photo of a street", "a photo of a street at night", steps=5)
    panel.set_method(method)
    assert panel.start_kind == "result"
    shown, node = edit_as_shown(qtbot, window, known.prompt, "a photo of a street at night with a dog")
    assert node.params == shown and node.parent_id == known.id
    steps = panel.main_params.widgets["steps"]
    if method == "stable-flow":  # the trajectory fixes it, and the panel says so
        assert shown["steps"] == 5 and not steps.isEnabled() and "5 steps" in steps.toolTip()
    else:  # other methods run their own step count: the field is theirs to set
        assert shown["steps"] == FEW_STEPS and steps.isEnabled()


def test_a_result_whose_description_changed_runs_the_steps_shown(qtbot, tmp_path):
    window = open_window(qtbot, AppSettings(model=TINY_MODEL, device="cpu", default_steps=FEW_STEPS))
    try:
        panel = window.edit_panel
        open_photo(window, tmp_path)
        _, result = edit_as_shown(qtbot, window, "a photo of a street", "a photo of a street in snow", steps=None)
        assert result.params["steps"] == FEW_STEPS
        steps = panel.main_params.widgets["steps"]
        assert not steps.isEnabled() and steps.value() == FEW_STEPS  # along its trajectory

        # A new description: the result is edited like a photo, with the steps the field shows.
        panel.source_prompt.setText("a photo of a snowy street")
        assert panel.start_kind == "photo" and panel.main_params.widgets["steps"].isEnabled()
        shown, node = edit_as_shown(qtbot, window, "a photo of a snowy street", "a photo of a snowy street at dusk",
                                    steps=None)
        assert node.params == shown and shown["steps"] == FEW_STEPS
    finally:
        close_window(window)


def test_dependent_defaults_follow_the_steps_and_bad_settings_are_said_before_the_run(qtbot, window, tmp_path):
    panel = window.edit_panel
    open_photo(window, tmp_path)
    panel.set_method("flowedit")
    panel.main_params.widgets["steps"].setValue(7)
    assert panel.advanced_params.widgets["n_max"].value() == 6  # FlowEdit keeps n_max's share of the steps
    panel.advanced_params.widgets["n_max"].setValue(9)
    assert panel.param_problem.isVisible() and "n max (9) must not be more than steps (7)" in panel.param_problem.text()
    panel.advanced_params.widgets["n_max"].setValue(5)
    assert not panel.param_problem.isVisible()


def test_an_unknown_method_name_is_refused_and_the_choice_kept(window):
    panel = window.edit_panel
    panel.set_method("flowedit")
    with pytest.raises(ValueError, match="unknown method 'flow-edit'"):
        panel.set_method("flow-edit")
    assert panel.method_name() == "flowedit" and panel.method.currentText()

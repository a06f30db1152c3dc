"""Prompt history reuse, project save and reopen, export and delete from the history panel."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from core.session.export import read_export_recipe
from gui.prompt_history import PromptHistory
from tests.gui.helpers import edit, open_file, open_photo, save_project, wait_for


def context_action(window, node_id: str, text: str):
    """The history panel's right-click action called ``text`` for ``node_id``."""
    is_root = node_id == window.controller.tree.root_id
    menu = window.history_panel.context_menu(node_id, is_root)
    return next(action for action in menu.actions() if action.text() == text)


def double_click(qtbot, list_widget, row: int) -> None:
    """A user's double-click on a row: press, release, then the second press and release."""
    position = list_widget.visualItemRect(list_widget.item(row)).center()
    qtbot.mouseClick(list_widget.viewport(), Qt.MouseButton.LeftButton, pos=position)
    qtbot.mouseDClick(list_widget.viewport(), Qt.MouseButton.LeftButton, pos=position)


def test_prompts_are_listed_newest_first_searchable_reusable_and_kept(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    edit(qtbot, window, "a photo of a street", "a photo of a street in snow")
    edit(qtbot, window, "a photo of a street in snow", "a photo of a street at night")
    panel = window.prompt_panel
    assert panel.prompts() == ["a photo of a street at night", "a photo of a street in snow", "a photo of a street"]

    panel.search.setText("snow")
    assert panel.prompts() == ["a photo of a street in snow"]
    panel.search.setText("")

    window.edit_panel.edit_prompts.setPlainText("")
    double_click(qtbot, panel.list, 2)  # "a photo of a street": it described an image
    assert window.edit_panel.source_prompt.text() == "a photo of a street"
    double_click(qtbot, panel.list, 0)
    assert window.edit_panel.edit_prompts.toPlainText() == "a photo of a street at night"

    # A restart reads the same history from disk.
    assert [entry.text for entry in PromptHistory().entries()] == panel.prompts()


def test_a_saved_project_reopens_with_its_tree_and_current_node(qtbot, window, tmp_path):
    open_photo(window, tmp_path)
    first = edit(qtbot, window, "a photo of a street", "a photo of a street in snow")[0]
    edit(qtbot, window, "a photo of a street in snow", "a photo of a street at night")
    window.controller.set_current(first)
    tree = window.controller.tree
    saved_ids = window.history_panel.node_ids()
    assert window.controller.is_modified and "•" in window.windowTitle()

    assert save_project(window, tmp_path / "trip")
    assert (tmp_path / "trip.sfproj").is_file()
    assert not window.controller.is_modified and window.windowTitle().startswith("trip.sfproj —")

    open_photo(window, tmp_path, "other.png")
    assert window.history_panel.node_ids() == [window.controller.tree.root_id]
    assert open_file(window, tmp_path / "trip.sfproj")
    tree = window.controller.tree
    assert window.history_panel.node_ids() == saved_ids
    assert tree.current_id == first
    assert window.canvas.has_image() and window.canvas.can_compare()
    # The reopened result is edited from its stored trajectory, like before saving.
    again = edit(qtbot, window, "a photo of a street in snow", "a photo of a street in snow with a dog")[0]
    assert tree.node(again).parent_id == first


def test_export_and_delete_branch_from_the_history_menu(qtbot, window, tmp_path, monkeypatch):
    open_photo(window, tmp_path)
    first = edit(qtbot, window, "a photo of a street", "a photo of a street in snow")[0]
    second = edit(qtbot, window, "a photo of a street in snow", "a photo of a street at night")[0]
    target = tmp_path / "night.jpg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    assert wait_for(window.controller.exported, lambda: context_action(window, second, "Export…").trigger() or True)[1]
    recipe = read_export_recipe(target)
    assert recipe["prompt"] == "a photo of a street at night"
    assert recipe["source_prompt"] == "a photo of a street in snow"

    root = window.controller.tree.root_id
    assert not context_action(window, root, "Delete branch").isEnabled()
    context_action(window, first, "Delete branch").trigger()
    assert window.history_panel.node_ids() == [root]
    assert window.controller.tree.current_id == root
    window.menu_actions.undo.trigger()
    assert window.history_panel.node_ids() == [root, first, second]
    assert window.controller.tree.current_id == second

    context_action(window, first, "Edit from here").trigger()
    assert window.controller.tree.current_id == first
    assert window.edit_panel.source_prompt.text() == "a photo of a street in snow"

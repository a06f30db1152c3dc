"""The window's menu actions with their shortcuts (Qt shows the shortcuts in the menus)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from gui.icons import set_icon

Shortcut = QKeySequence.StandardKey | str


def make_action(window: QMainWindow, text: str, handler: Callable[[], None],
                shortcuts: tuple[Shortcut, ...] = (), icon_name: Optional[str] = None,
                checkable: bool = False) -> QAction:
    """An action owned by ``window`` that calls ``handler``."""
    action = QAction(text, window)
    if icon_name:
        set_icon(action, icon_name)
    keys: list[QKeySequence] = []
    for shortcut in shortcuts:
        keys.extend(QKeySequence.keyBindings(shortcut) if isinstance(shortcut, QKeySequence.StandardKey)
                    else [QKeySequence(shortcut)])
    action.setShortcuts(list(dict.fromkeys(keys)))
    action.setCheckable(checkable)
    action.triggered.connect(lambda _checked=False: handler())
    return action


@dataclass
class WindowActions:
    """Every menu action of the main window (tests trigger them like a user would)."""

    new: QAction
    open_photo: QAction
    open_project: QAction
    save_project: QAction
    save_project_as: QAction
    export: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    run_edit: QAction
    cancel_edit: QAction
    check_inversion: QAction
    settings: QAction
    zoom_in: QAction
    zoom_out: QAction
    fit: QAction
    actual_size: QAction
    compare: QAction
    model_setup: QAction
    about: QAction
    recent_menu: QMenu


def build_menus(window, undo_stack) -> WindowActions:
    """Create the actions and the File, Edit, View, Model and Help menus of ``window``."""
    a = make_action
    undo = undo_stack.createUndoAction(window, "Undo")
    set_icon(undo, "undo")
    undo.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Undo))
    redo = undo_stack.createRedoAction(window, "Redo")
    set_icon(redo, "redo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    actions = WindowActions(
        new=a(window, "&New Image", window.new_session, (QKeySequence.StandardKey.New,), "photo"),
        open_photo=a(window, "&Open Photo…", window.choose_photo, (QKeySequence.StandardKey.Open,), "open"),
        open_project=a(window, "Open &Project…", window.choose_project, ("Ctrl+Shift+O",)),
        save_project=a(window, "&Save Project", window.save_project, (QKeySequence.StandardKey.Save,), "save"),
        save_project_as=a(window, "Save Project &As…", window.save_project_as, ("Ctrl+Shift+S",)),
        export=a(window, "&Export Image…", window.export_current, ("Ctrl+E",), "export"),
        quit=a(window, "&Quit", window.close, ("Ctrl+Q",)),
        undo=undo,
        redo=redo,
        run_edit=a(window, "&Run Edit", window.run_edit, ("Ctrl+Return", "Ctrl+Enter"), "edit"),
        cancel_edit=a(window, "&Cancel Edit", window.cancel_edit, ("Esc",), "cancel"),
        check_inversion=a(window, "Check &Inversion of Photos", window.toggle_inversion_check, checkable=True),
        settings=a(window, "Se&ttings…", window.open_settings, ("Ctrl+,",), "settings"),
        zoom_in=a(window, "Zoom &In", window.canvas.zoom_in, (QKeySequence.StandardKey.ZoomIn, "Ctrl+="), "zoom-in"),
        zoom_out=a(window, "Zoom &Out", window.canvas.zoom_out, (QKeySequence.StandardKey.ZoomOut,), "zoom-out"),
        fit=a(window, "&Fit in Window", window.canvas.fit, ("Ctrl+0",), "zoom-fit"),
        actual_size=a(window, "&Actual Size (100%)", window.canvas.actual_size, ("Ctrl+1",), "zoom-actual"),
        compare=a(window, "&Compare Before/After", window.toggle_compare, ("Ctrl+B",), "compare"),
        model_setup=a(window, "Set Up &Model…", window.open_model_setup, (), "model"),
        about=a(window, "&About Stable Flow Studio", window.show_about),
        recent_menu=QMenu("Open &Recent", window),
    )
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([actions.new, actions.open_photo])
    file_menu.addMenu(actions.recent_menu)
    file_menu.addSeparator()
    file_menu.addActions([actions.open_project, actions.save_project, actions.save_project_as])
    file_menu.addSeparator()
    file_menu.addAction(actions.export)
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)
    edit_menu = bar.addMenu("&Edit")
    edit_menu.addActions([actions.undo, actions.redo])
    edit_menu.addSeparator()
    edit_menu.addActions([actions.run_edit, actions.cancel_edit, actions.check_inversion])
    edit_menu.addSeparator()
    edit_menu.addAction(actions.settings)
    view_menu = bar.addMenu("&View")
    view_menu.addActions([actions.zoom_in, actions.zoom_out, actions.fit, actions.actual_size])
    view_menu.addSeparator()
    view_menu.addAction(actions.compare)
    view_menu.addSeparator()
    window.view_menu = view_menu
    bar.addMenu("&Model").addAction(actions.model_setup)
    bar.addMenu("&Help").addAction(actions.about)
    return actions

"""Widgets for a method's own parameters, built from its ``defaults()`` dict.

Any method the engine registers gets a form without GUI changes: whole numbers become
spin boxes, decimals double spin boxes, flags check boxes, text line edits.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QLineEdit, QSpinBox, QWidget

LABELS = {
    "steps": "Steps",
    "guidance": "Guidance",
    "nudging": "Latent nudging",
    "source_guidance": "Source guidance",
    "target_guidance": "Target guidance",
    "inversion_guidance": "Inversion guidance",
    "true_cfg": "True CFG",
}
HELP = {
    "steps": "How many denoising steps the edit takes (more: finer, slower)",
    "guidance": "How strongly the prompt steers the image (FLUX guidance)",
    "nudging": "Scales the inverted photo's latent slightly so the edit sticks better (1 = off)",
    "source_guidance": "Guidance for the description of the image",
    "target_guidance": "Guidance for the described change",
    "inversion_guidance": "Guidance used while inverting the photo to noise",
    "n_max": "The edit changes the image during the last this-many steps (higher: bigger changes)",
    "n_min": "The last this-many steps are plain sampling of the edited image",
    "n_avg": "Noise samples averaged per step (higher: smoother, slower)",
    "zeta": "How far each step follows the source (FlowAlign's trajectory alignment)",
    "strength": "How much of the photo is noised away before sampling (1: everything)",
    "true_cfg": "Weight of true classifier-free guidance (empty: off, faster)",
}


def label_for(name: str) -> str:
    """A readable label for a parameter name."""
    return LABELS.get(name, name.replace("_", " ").capitalize())


class _Editor:
    """One parameter's widget with a reader, a writer and its change signal."""

    def __init__(self, widget: QWidget, read: Callable[[], Any], write: Callable[[Any], None], changed) -> None:
        self.widget, self.read, self.write, self.changed = widget, read, write, changed


def _editor(value: Any) -> Optional[_Editor]:
    """An editor showing ``value``, or None for unsupported types."""
    if isinstance(value, bool):
        box = QCheckBox()
        box.setChecked(value)
        return _Editor(box, box.isChecked, lambda v: box.setChecked(bool(v)), box.toggled)
    if isinstance(value, int):
        spin = QSpinBox()
        spin.setRange(0, 100_000)
        spin.setValue(value)
        return _Editor(spin, spin.value, lambda v: spin.setValue(int(v)), spin.valueChanged)
    if isinstance(value, float):
        spin = QDoubleSpinBox()
        spin.setDecimals(3)
        spin.setRange(-1000.0, 1000.0)
        spin.setSingleStep(0.05 if abs(value) < 2 else 0.5)
        spin.setValue(value)
        return _Editor(spin, spin.value, lambda v: spin.setValue(float(v)), spin.valueChanged)
    if isinstance(value, str):
        line = QLineEdit(value)
        return _Editor(line, line.text, lambda v: line.setText(str(v)), line.textEdited)
    if value is None:  # an optional number: empty means "off"
        line = QLineEdit()
        line.setPlaceholderText("off")
        return _Editor(line, lambda: _optional_number(line.text()),
                       lambda v: line.setText("" if v is None else f"{v:g}" if isinstance(v, float) else str(v)),
                       line.textEdited)
    return None


def _optional_number(text: str) -> Optional[float]:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text  # the method's own check reports it in one line


class ParamForm(QWidget):
    """One row per parameter; :meth:`values` returns what the user set.

    A parameter the user changed is "set"; the others show what the engine will use and are
    rewritten by :meth:`show_values` (so their values follow the engine's own rules, e.g. a
    default that depends on the step count). ``changed`` fires on every user change.
    """

    changed = Signal()

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._layout = QFormLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._editors: dict[str, _Editor] = {}
        self._set_by_user: set[str] = set()
        self._writing = False
        self.widgets: dict[str, QWidget] = {}

    def set_params(self, defaults: dict[str, Any], names: Iterable[str], owner: str,
                   preset: Iterable[str] = ()) -> None:
        """Show the parameters in ``names`` (in that order) at their ``defaults``; those in
        ``preset`` count as set by the user (e.g. the default step count from the settings)."""
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self._editors.clear()
        self.widgets.clear()
        self._set_by_user.clear()
        for name in names:
            editor = _editor(defaults[name])
            if editor is None:
                continue
            editor.widget.setToolTip(f"{HELP.get(name, f'{owner} parameter {name!r}')} (default {defaults[name]})")
            editor.changed.connect(lambda *_args, name=name: self._user_changed(name))
            self._layout.addRow(label_for(name), editor.widget)
            self._editors[name] = editor
            self.widgets[name] = editor.widget
        self._set_by_user.update(name for name in preset if name in self._editors)
        self.setVisible(bool(self._editors))

    def _user_changed(self, name: str) -> None:
        if not self._writing:
            self._set_by_user.add(name)
            self.changed.emit()

    def values(self) -> dict[str, Any]:
        """Parameter name -> value as shown."""
        return {name: editor.read() for name, editor in self._editors.items()}

    def user_values(self) -> dict[str, Any]:
        """Only the parameters the user set (the engine fills in the rest)."""
        return {name: editor.read() for name, editor in self._editors.items() if name in self._set_by_user}

    def show_values(self, values: dict[str, Any], forced: dict[str, str]) -> None:
        """Show the engine's ``values``; parameters in ``forced`` (name -> why) are locked to them."""
        self._writing = True
        try:
            for name, editor in self._editors.items():
                if name in values and editor.read() != values[name]:
                    editor.write(values[name])
                if name in forced:
                    self._set_by_user.discard(name)
                    editor.widget.setEnabled(False)
                    editor.widget.setToolTip(forced[name])
        finally:
            self._writing = False

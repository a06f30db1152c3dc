"""Widgets for a method's own parameters, built from its ``defaults()`` dict.

Any method the engine registers gets a form without GUI changes: whole numbers become
spin boxes, decimals double spin boxes, flags check boxes, text line edits.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QLineEdit, QSpinBox, QWidget

LABELS = {
    "steps": "Steps",
    "guidance": "Guidance",
    "nudging": "Latent nudging",
    "source_guidance": "Source guidance",
    "target_guidance": "Target guidance",
}


def label_for(name: str) -> str:
    """A readable label for a parameter name."""
    return LABELS.get(name, name.replace("_", " ").capitalize())


def _editor(value: Any) -> Optional[tuple[QWidget, Callable[[], Any]]]:
    """A widget showing ``value`` and a function reading it back, or None for unsupported types."""
    if isinstance(value, bool):
        box = QCheckBox()
        box.setChecked(value)
        return box, box.isChecked
    if isinstance(value, int):
        spin = QSpinBox()
        spin.setRange(0, 100_000)
        spin.setValue(value)
        return spin, spin.value
    if isinstance(value, float):
        spin = QDoubleSpinBox()
        spin.setDecimals(3)
        spin.setRange(-1000.0, 1000.0)
        spin.setSingleStep(0.05 if abs(value) < 2 else 0.5)
        spin.setValue(value)
        return spin, spin.value
    if isinstance(value, str):
        line = QLineEdit(value)
        return line, line.text
    if value is None:  # an optional number: empty means "off"
        line = QLineEdit()
        line.setPlaceholderText("off")
        return line, lambda: _optional_number(line.text())
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
    """One row per parameter; :meth:`values` returns what the user set."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._layout = QFormLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._readers: dict[str, Callable[[], Any]] = {}
        self.widgets: dict[str, QWidget] = {}

    def set_params(self, defaults: dict[str, Any], names: Iterable[str], owner: str) -> None:
        """Show the parameters in ``names`` (in that order) at their ``defaults``."""
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self._readers.clear()
        self.widgets.clear()
        for name in names:
            made = _editor(defaults[name])
            if made is None:
                continue
            widget, reader = made
            widget.setToolTip(f"{owner} parameter '{name}' (default {defaults[name]})")
            self._layout.addRow(label_for(name), widget)
            self._readers[name] = reader
            self.widgets[name] = widget
        self.setVisible(bool(self._readers))

    def values(self) -> dict[str, Any]:
        """Parameter name -> value as set."""
        return {name: read() for name, read in self._readers.items()}

    def set_enabled_param(self, name: str, enabled: bool, tooltip: str = "") -> None:
        """Enable or disable one parameter's widget (e.g. steps fixed by a known trajectory)."""
        widget = self.widgets.get(name)
        if widget is not None:
            widget.setEnabled(enabled)
            if tooltip:
                widget.setToolTip(tooltip)

"""The edit panel: prompts, method, steps, guidance, seed, advanced parameters, Edit and Cancel.

Problems with an edit (bad prompt, failed job, out of memory) show inline here, not as
dialogs. The method list and each method's parameters come from the engine's catalog.
"""

from __future__ import annotations

import random
from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.demo_model.shipped import DEMO_IMAGE_SIZE, DEMO_MODEL_ID, DEMO_TEXT_TOKENS
from gui.edit_settings import DEFAULT_MAX_SEQUENCE_LENGTH, DEFAULT_SIZE, EditSettings
from gui.icons import set_icon
from gui.method_catalog import MethodCatalog
from gui.param_widgets import ParamForm

MAIN_PARAMS = ("steps", "guidance")
MAX_SEED = 2**31 - 1
START_HINTS = {
    "generated": "Nothing is open: Edit generates the image from the first prompt, then applies the change.",
    "photo": "Edits the photo shown (it is inverted first; later edits of it reuse the inversion).",
    "result": "Edits the result shown, reusing its trajectory (no inversion needed).",
}


class EditPanel(QWidget):
    """Emits ``edit_requested`` / ``cancel_requested``; :meth:`settings` reads the fields."""

    edit_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, default_steps: int = 0, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.default_steps = default_steps
        self._catalog: Optional[MethodCatalog] = None
        self._start_kind = ""  # set just below
        self._fixed_steps: Optional[int] = None

        self.source_prompt = QLineEdit(self)
        self.source_prompt.setPlaceholderText("e.g. a photo of a dog on a street")
        self.edit_prompts = QPlainTextEdit(self)
        self.edit_prompts.setPlaceholderText(
            "e.g. a photo of a dog wearing a straw hat\n(one per line: several lines make variations)")
        self.edit_prompts.setFixedHeight(78)
        self.edit_prompts.setTabChangesFocus(True)

        self.method = QComboBox(self)
        self.method.setToolTip("The editing method")
        self.main_params = ParamForm(self)
        self.seed = QSpinBox(self)
        self.seed.setRange(0, MAX_SEED)
        self.seed.setValue(42)
        self.dice = QToolButton(self)
        set_icon(self.dice, "dice")
        self.dice.setToolTip("A random seed")
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.dice)
        self.width_box, self.height_box = QSpinBox(self), QSpinBox(self)
        for box, name in ((self.width_box, "width"), (self.height_box, "height")):
            box.setRange(16, 4096)
            box.setSingleStep(16)
            box.setValue(DEFAULT_SIZE)
            box.setSuffix(" px")
            box.setToolTip(f"The generated image's {name} (a multiple of 16)")
        size_row = QHBoxLayout()
        size_row.addWidget(self.width_box)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_box)
        self.size_label = QLabel("Size")

        form = QFormLayout()
        form.addRow("Method", self.method)
        form.addRow(self.main_params)
        form.addRow("Seed", seed_row)
        form.addRow(self.size_label, size_row)
        self._size_row = size_row

        self.advanced_toggle = QToolButton(self)
        self.advanced_toggle.setText("Advanced")
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.advanced_toggle.setAutoRaise(True)
        self.advanced = QWidget(self)
        self.advanced_params = ParamForm(self.advanced)
        self.max_sequence_length = QSpinBox(self.advanced)
        self.max_sequence_length.setRange(16, 512)
        self.max_sequence_length.setValue(DEFAULT_MAX_SEQUENCE_LENGTH)
        self.max_sequence_length.setToolTip("How many T5 text tokens the prompts are encoded to (FLUX: 512)")
        advanced_layout = QFormLayout(self.advanced)
        advanced_layout.setContentsMargins(12, 0, 0, 0)
        advanced_layout.addRow(self.advanced_params)
        advanced_layout.addRow("Text tokens", self.max_sequence_length)
        self.advanced.hide()

        self.hint = QLabel(self)
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.error = QLabel(self)
        self.error.setObjectName("inlineError")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()

        self.edit_button = QPushButton("Edit", self)
        set_icon(self.edit_button, "edit")
        self.edit_button.setObjectName("editButton")
        self.edit_button.setToolTip("Run the edit (Ctrl+Return)")
        self.cancel_button = QPushButton("Cancel", self)
        set_icon(self.cancel_button, "cancel")
        self.cancel_button.setToolTip("Stop the running edit (Esc)")
        self.cancel_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.edit_button, 1)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Describe the image"))
        layout.addWidget(self.source_prompt)
        layout.addWidget(QLabel("Describe the change"))
        layout.addWidget(self.edit_prompts)
        layout.addLayout(form)
        layout.addWidget(self.advanced_toggle)
        layout.addWidget(self.advanced)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        layout.addStretch(1)

        self.dice.clicked.connect(lambda: self.seed.setValue(random.randint(0, MAX_SEED)))
        self.method.currentTextChanged.connect(lambda _name: self.reset_params())
        self.advanced_toggle.toggled.connect(self._toggle_advanced)
        self.edit_button.clicked.connect(self.edit_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.set_start_kind("generated")

    # -- configuration -------------------------------------------------------------------
    def use_model_defaults(self, model: str) -> None:
        """Size and text tokens for a newly chosen model: 64x64 and 32 tokens for the demo, FLUX's otherwise."""
        demo = model == DEMO_MODEL_ID
        self.max_sequence_length.setValue(DEMO_TEXT_TOKENS if demo else DEFAULT_MAX_SEQUENCE_LENGTH)
        for box in (self.width_box, self.height_box):
            box.setValue(DEMO_IMAGE_SIZE if demo else DEFAULT_SIZE)

    def set_catalog(self, catalog: MethodCatalog) -> None:
        """Offer the engine's methods; the first (Stable Flow) is selected."""
        self._catalog = catalog
        self.method.blockSignals(True)
        self.method.clear()
        self.method.addItems(catalog.methods())
        self.method.blockSignals(False)
        self.reset_params()

    def set_start_kind(self, kind: str, fixed_steps: Optional[int] = None) -> None:
        """Adapt to how the next edit starts (generated image, photo, or a known result whose
        trajectory fixes the step count to ``fixed_steps``)."""
        if (kind, fixed_steps) == (self._start_kind, self._fixed_steps):
            return  # keep what the user set
        self._start_kind = kind
        self._fixed_steps = fixed_steps
        generated = kind == "generated"
        self.size_label.setVisible(generated)
        for index in range(self._size_row.count()):
            self._size_row.itemAt(index).widget().setVisible(generated)
        self.hint.setText(START_HINTS[kind])
        self.reset_params()

    def reset_params(self) -> None:
        """Show the method's parameters at their defaults (for the current kind of start)."""
        if self._catalog is None:
            self.main_params.set_params({}, (), "")
            self.advanced_params.set_params({}, (), "")
            return
        method = self.method.currentText()
        defaults = self._catalog.params(method, self._start_kind)
        if self.default_steps and "steps" in defaults:
            defaults["steps"] = self.default_steps
        main = [name for name in MAIN_PARAMS if name in defaults]
        self.main_params.set_params(defaults, main, method)
        self.advanced_params.set_params(defaults, [name for name in defaults if name not in main], method)
        if self._fixed_steps is not None and "steps" in defaults:
            self.main_params.widgets["steps"].setValue(self._fixed_steps)
            self.main_params.set_enabled_param("steps", False, "A known result is edited along its own trajectory, "
                                                                "so it keeps the step count it was made with")

    def _toggle_advanced(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.advanced_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    # -- reading and writing fields ------------------------------------------------------
    def settings(self) -> EditSettings:
        """The edit as currently set up (only the parameters the method knows)."""
        prompts = tuple(line.strip() for line in self.edit_prompts.toPlainText().splitlines() if line.strip())
        params = {**self.main_params.values(), **self.advanced_params.values()}
        if self._fixed_steps is not None:
            params.pop("steps", None)  # fixed by the trajectory
        return EditSettings(
            source_prompt=self.source_prompt.text().strip(), edit_prompts=prompts, method=self.method.currentText(),
            params=params, seed=self.seed.value(), width=self.width_box.value(), height=self.height_box.value(),
            max_sequence_length=self.max_sequence_length.value(),
        )

    def use_prompt(self, text: str, kind: str) -> None:
        """Put a prompt from the history into its field (a source prompt, or the edit prompts)."""
        if kind == "source":
            self.source_prompt.setText(text)
        else:
            self.edit_prompts.setPlainText(text)
            self.edit_prompts.setFocus()

    def set_busy(self, busy: bool) -> None:
        """While an edit runs: Edit off, Cancel on."""
        self.edit_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        if busy:
            self.clear_error()

    def show_error(self, message: str) -> None:
        """Show a problem inline, where the user will look."""
        self.error.setText(message)
        self.error.show()

    def clear_error(self) -> None:
        """Hide the inline problem."""
        self.error.clear()
        self.error.hide()

    def error_text(self) -> str:
        """The problem shown, or ''."""
        return self.error.text()

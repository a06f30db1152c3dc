"""The edit panel: prompts, method, steps, guidance, seed, advanced parameters, Edit and Cancel.

Problems with an edit (bad prompt, failed job, out of memory) show inline here, not as
dialogs. The method list and each method's parameters come from the engine's catalog.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any, Callable, Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
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

from core.api.errors import UserError
from core.methods.preview_mode import preview_text_length
from core.model.demo_weights import DEMO_IMAGE_SIZE, DEMO_MODEL_ID, DEMO_TEXT_TOKENS
from core.rules.sizes import MAX_SIDE, SIZE_MULTIPLE
from gui.edit_settings import DEFAULT_MAX_SEQUENCE_LENGTH, DEFAULT_SIZE, EditSettings
from gui.icons import set_icon
from gui.method_catalog import DIRECT_METHODS, METHOD_HELP, MethodCatalog, method_label
from gui.param_widgets import ParamForm, label_for

MAIN_PARAMS = ("steps", "guidance")
MAX_SEED = 2**31 - 1
START_HINTS = {
    "generated": "Nothing is open: Edit generates the image from the first prompt, then applies the change.",
    "photo": "Edits the photo shown (it is inverted first; later edits of it reuse the inversion).",
    "result": "Edits the result shown, reusing its trajectory (no inversion needed).",
}
DIRECT_HINTS = {
    "photo": "Edits the photo shown directly (this method does not invert it).",
    "result": "Edits the result shown directly (this method does not invert it).",
}


class EditPanel(QWidget):
    """Emits ``edit_requested`` / ``cancel_requested``; :meth:`settings` reads the fields."""

    edit_requested = Signal()
    cancel_requested = Signal()
    render_full_requested = Signal()  # "Render full quality" on the fast preview shown
    caption_requested = Signal()  # "Describe for me": the captioning model writes the description

    def __init__(self, default_steps: int = 0, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.default_steps = default_steps
        self._catalog: Optional[MethodCatalog] = None
        self._start_kind = ""  # set just below
        self._fixed_steps: Optional[int] = None
        # The engine's parameters for an edit as set up (None: not known yet); see show_engine_params.
        self.resolver: Optional[Callable[[EditSettings], Optional[dict[str, Any]]]] = None

        self.source_prompt = QLineEdit(self)
        self.source_prompt.setPlaceholderText("e.g. a photo of a dog on a street")
        self.source_prompt.textChanged.connect(lambda _text: self._mark_suggested(self._filling))
        self.caption_button = QToolButton(self)
        self.caption_button.setText("Describe for me")
        self.caption_button.setToolTip("Let the captioning model describe the photo (replaces the description)")
        self.caption_button.clicked.connect(self.caption_requested)
        self.caption_note = QLabel(self)
        self.caption_note.setObjectName("hint")
        self.caption_note.setWordWrap(True)
        self.caption_note.hide()
        self.source_suggested = False
        self._filling = False  # True while a caption is put in: any other change makes the text the user's
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
            box.setRange(SIZE_MULTIPLE, MAX_SIDE)  # the engine's rule; it refuses sides not a multiple of 16
            box.setSingleStep(SIZE_MULTIPLE)
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
        self.token_counter = None  # gui.prompt_length.TokenCounter once a model is loaded
        self.prompt_warning = QLabel(self)
        self.prompt_warning.setObjectName("inlineError")
        self.prompt_warning.setWordWrap(True)
        self.prompt_warning.hide()
        self.param_problem = QLabel(self)
        self.param_problem.setObjectName("inlineError")
        self.param_problem.setWordWrap(True)
        self.param_problem.hide()
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

        self.preview = QCheckBox("Fast preview", self)  # its tooltip follows the kind of start
        self.preview_note = QLabel(self)
        self.preview_note.setObjectName("hint")
        self.preview_note.setWordWrap(True)
        self.preview_note.hide()
        # Shown while the result shown is a fast preview.
        self.preview_result_note = QLabel(self)
        self.preview_result_note.setWordWrap(True)
        self.render_full_button = QPushButton("Render full quality", self)
        self.render_full_button.setToolTip("Run this preview's edit again at full quality; the result is added "
                                           "beside the preview, which stays in the history")
        self.preview_result_note.hide()
        self.render_full_button.hide()

        layout = QVBoxLayout(self)
        self.source_label = QLabel("Describe the image")
        layout.addWidget(self.source_label)
        source_row = QHBoxLayout()
        source_row.addWidget(self.source_prompt, 1)
        source_row.addWidget(self.caption_button)
        layout.addLayout(source_row)
        layout.addWidget(self.caption_note)
        layout.addWidget(QLabel("Describe the change"))
        layout.addWidget(self.edit_prompts)
        layout.addWidget(self.prompt_warning)
        layout.addLayout(form)
        layout.addWidget(self.advanced_toggle)
        layout.addWidget(self.advanced)
        layout.addWidget(self.param_problem)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        layout.addWidget(self.preview)
        layout.addWidget(self.preview_note)
        layout.addLayout(buttons)
        layout.addWidget(self.preview_result_note)
        layout.addWidget(self.render_full_button)
        layout.addStretch(1)

        self.dice.clicked.connect(lambda: self.seed.setValue(random.randint(0, MAX_SEED)))
        self.method.currentIndexChanged.connect(lambda _index: self.reset_params())
        self.advanced_toggle.toggled.connect(self._toggle_advanced)
        for form in (self.main_params, self.advanced_params):
            form.changed.connect(self.show_engine_params)
        self.source_prompt.textChanged.connect(self.check_prompt_lengths)
        self.edit_prompts.textChanged.connect(self.check_prompt_lengths)
        self.max_sequence_length.valueChanged.connect(self.check_prompt_lengths)
        self.edit_button.clicked.connect(self.edit_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.preview.toggled.connect(lambda _on: self.show_preview_plan())
        self.max_sequence_length.valueChanged.connect(lambda _value: self.show_preview_plan())
        self.render_full_button.clicked.connect(self.render_full_requested)
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
        for name in catalog.methods():
            self.method.addItem(method_label(name), name)
            self.method.setItemData(self.method.count() - 1, METHOD_HELP.get(name, name),
                                    Qt.ItemDataRole.ToolTipRole)
        self.method.blockSignals(False)
        self.reset_params()

    def set_start_kind(self, kind: str, fixed_steps: Optional[int] = None) -> None:
        """Adapt to how the next edit starts (generated image, photo, or a known result whose
        trajectory has ``fixed_steps`` steps); the parameters are reset for it."""
        if (kind, fixed_steps) == (self._start_kind, self._fixed_steps):
            return  # keep what the user set
        self._start_kind = kind
        self._fixed_steps = fixed_steps
        generated = kind == "generated"
        self.preview.setEnabled(not generated)
        self.preview.setToolTip(self._preview_tip(generated))
        self.size_label.setVisible(generated)
        for index in range(self._size_row.count()):
            self._size_row.itemAt(index).widget().setVisible(generated)
        self.reset_params()

    def method_name(self) -> str:
        """The engine's name of the chosen method ("stable-flow", "flowedit"...)."""
        return self.method.currentData() or self.method.currentText()

    def set_method(self, name: str) -> None:
        """Choose the method the engine calls ``name``; an unknown name is an error, not a blank choice."""
        index = self.method.findData(name)
        if index < 0:
            raise ValueError(f"unknown method {name!r}")
        self.method.setCurrentIndex(index)

    @property
    def start_kind(self) -> str:
        """How the next edit starts: "generated", "photo" or "result"."""
        return self._start_kind

    def reset_params(self) -> None:
        """Show the method's parameters at their defaults (for the current kind of start), then
        as the engine will run them."""
        hints = DIRECT_HINTS if self.method_name() in DIRECT_METHODS else START_HINTS
        self.hint.setText(hints.get(self._start_kind, START_HINTS[self._start_kind]))
        if self._catalog is None:
            self.main_params.set_params({}, (), "")
            self.advanced_params.set_params({}, (), "")
            return
        method = self.method_name()
        defaults = self._catalog.params(method, self._start_kind)
        preset = ()
        if self.default_steps and "steps" in defaults:
            defaults["steps"] = self.default_steps
            preset = ("steps",)
        main = [name for name in MAIN_PARAMS if name in defaults]
        self.main_params.set_params(defaults, main, method, preset)
        self.advanced_params.set_params(defaults, [name for name in defaults if name not in main], method, preset)
        self.show_engine_params(lock_forced=True)

    def show_engine_params(self, lock_forced: bool = False) -> None:
        """Show exactly the parameters the engine will run for the edit as set up now.

        With ``lock_forced``, parameters the engine overrides whatever is asked (a known
        result's step count) are locked with the reason; a setting the engine refuses is
        said in one line below the fields.
        """
        if self.resolver is None:
            return
        shown = {**self.main_params.values(), **self.advanced_params.values()}
        try:
            resolved = self.resolver(self.full_settings())
        except UserError as error:
            self.param_problem.setText(f"These settings cannot run: {error}")
            self.param_problem.show()
            return
        self.param_problem.hide()
        if resolved is None:
            return
        forced: dict[str, str] = {}
        if lock_forced:
            forced = {name: self._forced_reason(name, resolved[name]) for name in self._engine_overrides(shown)}
        for form in (self.main_params, self.advanced_params):
            form.show_values(resolved, forced)
        self.show_preview_plan(resolved)

    def _engine_overrides(self, shown: dict) -> set[str]:
        """Numeric parameters the engine sets whatever is asked: each is asked for one more
        than shown, alone, and kept when the engine runs something else."""
        forced = set()
        for name, value in shown.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            try:
                resolved = self.resolver(replace(self.full_settings(), params={name: value + 1})) or {}
            except UserError:
                continue
            if name in resolved and resolved[name] != value + 1:
                forced.add(name)
        return forced

    def _forced_reason(self, name: str, value) -> str:
        if name == "steps" and self._start_kind == "result":
            return (f"A known result is edited along its own trajectory, so it keeps the {value} steps it was made "
                    "with (change the description of the image to edit it like a photo)")
        return f"This kind of edit always runs with {label_for(name).lower()} {value}"

    @staticmethod
    def _preview_tip(generated: bool) -> str:
        if generated:
            return ("A fast preview edits an open photo or result; the image generated from nothing is the start "
                    "of every later edit, so it is made at full quality")
        return ("A quick, lower-quality look: fewer steps and text tokens. The result is labelled Preview; "
                "Render full quality then redoes it at the settings above")

    def show_preview_plan(self, full: Optional[dict[str, Any]] = None) -> None:
        """Under "Fast preview", while it is on: the steps and text tokens the preview runs
        against the full settings (``full``: the engine's parameters at full quality)."""
        on = self.preview.isChecked() and self.preview.isEnabled()
        self.preview_note.setVisible(on)
        if not on:
            return
        tokens = self.max_sequence_length.value()
        short = preview_text_length(tokens)
        text = f"{short} text tokens instead of {tokens}" if short != tokens else f"{tokens} text tokens (already short)"
        if self.resolver is not None:
            try:
                full = full if full is not None else self.resolver(self.full_settings())
                quick = self.resolver(self.settings())
            except UserError:
                full = quick = None
            if full and quick and "steps" in full:
                text = (f"{quick['steps']} steps instead of {full['steps']}, " if quick["steps"] != full["steps"]
                        else f"{full['steps']} steps (this result's own), ") + text
        self.preview_note.setText(f"Preview: {text}.")

    def show_preview_result(self, node) -> None:
        """Offer "Render full quality" when the node shown (None: nothing is open) is a fast preview."""
        preview = node is not None and node.preview is not None
        self.preview_result_note.setVisible(preview)
        self.render_full_button.setVisible(preview)
        if preview:
            steps = node.params.get("steps")
            made = f"{steps} steps, " if steps is not None else ""
            self.preview_result_note.setText(f"This result is a fast preview ({made}{node.max_sequence_length} "
                                             "text tokens): a quick look, not the final image.")

    def set_token_counter(self, counter) -> None:
        """Count prompt tokens with this model's tokenizers from now on (None: no warnings)."""
        self.token_counter = counter
        self.check_prompt_lengths()

    def check_prompt_lengths(self) -> None:
        """Say, before the edit runs, when a prompt is longer than the text encoders read."""
        warning = None
        if self.token_counter is not None:
            edit = self.settings()
            for prompt in (edit.source_prompt, *edit.edit_prompts):
                warning = prompt and self.token_counter.warning(prompt, edit.max_sequence_length)
                if warning:
                    break
        self.prompt_warning.setText(warning or "")
        self.prompt_warning.setVisible(bool(warning))

    def _toggle_advanced(self, shown: bool) -> None:
        self.advanced.setVisible(shown)
        self.advanced_toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    # -- reading and writing fields ------------------------------------------------------
    def settings(self) -> EditSettings:
        """The edit as currently set up (only the parameters the method knows)."""
        prompts = tuple(line.strip() for line in self.edit_prompts.toPlainText().splitlines() if line.strip())
        params = {**self.main_params.user_values(), **self.advanced_params.user_values()}
        return EditSettings(
            source_prompt=self.source_prompt.text().strip(), edit_prompts=prompts, method=self.method_name(),
            params=params, seed=self.seed.value(), width=self.width_box.value(), height=self.height_box.value(),
            max_sequence_length=self.max_sequence_length.value(),
            preview=self.preview.isChecked() and self.preview.isEnabled(),
        )

    def full_settings(self) -> EditSettings:
        """The edit as set up, at full quality (what the fields show)."""
        return replace(self.settings(), preview=False)

    def suggest_source_prompt(self, text: str, replace: bool = False) -> bool:
        """Fill "Describe the image" with a caption, marked as suggested; never over typed text
        unless ``replace`` (the user pressed "Describe for me"). Returns whether it was filled."""
        if not replace and self.source_prompt.text().strip() and not self.source_suggested:
            return False
        self._filling = True
        try:
            self.set_source_prompt(text)
        finally:
            self._filling = False
        self._mark_suggested(bool(text))
        self.caption_note.hide()
        return True

    def set_source_prompt(self, text: str) -> None:
        """Put ``text`` in "Describe the image", showing its start (a long description's end
        alone, where the cursor would be, does not say what it describes)."""
        self.source_prompt.setText(text)
        self.source_prompt.setCursorPosition(0)

    def show_caption_note(self, message: str) -> None:
        """A line under the description (e.g. how to get the captioning model)."""
        self.caption_note.setText(message)
        self.caption_note.setVisible(bool(message))

    def _mark_suggested(self, suggested: bool) -> None:
        self.source_suggested = suggested
        self.source_label.setText("Describe the image (suggested: check it)" if suggested else "Describe the image")

    def use_prompt(self, text: str, kind: str) -> None:
        """Put a prompt from the history into its field (a source prompt, or the edit prompts)."""
        if kind == "source":
            self.set_source_prompt(text)
        else:
            self.edit_prompts.setPlainText(text)
            self.edit_prompts.setFocus()

    def set_busy(self, busy: bool) -> None:
        """While an edit runs: Edit and Render full quality off, Cancel on."""
        self.edit_button.setEnabled(not busy)
        self.render_full_button.setEnabled(not busy)
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

"""Choosing the model: FLUX.1-dev (token + licence), FLUX.1-schnell, a local folder, the trained demo, or tiny-random."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from core.model.captioning import DEFAULT_CAPTION_MODEL
from gui.caption_model_row import CaptionModelRow
from gui.download_controls import DownloadControls
from gui.model_download import ModelDownload, is_cached
from core.api.errors import ModelLoadError
from core.model.demo_weights import DEMO_MODEL_ID, demo_model_folder
from gui.settings import TINY_MODEL

GB = 1000**3
STATUS_LINES = 3  # the longest usual status (the demo model missing, with its folder) wraps to three


@dataclass(frozen=True)
class ModelOption:
    """One choice in the dialog; ``repo_id`` None means a local folder."""

    key: str
    title: str
    repo_id: Optional[str]
    description: str
    needs_token: bool = False


OPTIONS = (
    ModelOption("dev", "FLUX.1-dev", "black-forest-labs/FLUX.1-dev",
                "The best quality, the model Stable Flow was made for. It is gated: log in on huggingface.co, "
                "accept its licence on the FLUX.1-dev page, then paste an access token below. "
                "About 34 GB to download; needs a GPU with 24 GB or more (less with offloading).", True),
    ModelOption("schnell", "FLUX.1-schnell", "black-forest-labs/FLUX.1-schnell",
                "Faster and Apache-2.0 licensed, no token needed. About 34 GB to download."),
    ModelOption("local", "A local folder", None,
                "A FLUX model saved in diffusers format (a folder with model_index.json)."),
    ModelOption("demo", "Demo model", DEMO_MODEL_ID,
                "Comes with the app, nothing to download, runs on any computer: a small FLUX-architecture model "
                "trained on a world of coloured shapes (64x64 pixels). Open a photo from resources/samples and "
                "change a colour, a shape or the background."),
    ModelOption("tiny", "Tiny random model", TINY_MODEL,
                "Built in, nothing to download: random weights, so results look like noise. "
                "For checking that the editor runs on any computer."),
)


def _human_bytes(count: float) -> str:
    return f"{count / GB:.1f} GB" if count >= GB / 10 else f"{count / 1000**2:.0f} MB"


class ModelSetupDialog(QDialog):
    """Pick a model, download it with progress (cancel and resume), then use it."""

    def __init__(self, current_model: str = "", parent: Optional[QWidget] = None,
                 caption_model: str = DEFAULT_CAPTION_MODEL, has_accelerator: Optional[bool] = None) -> None:
        """``has_accelerator`` (probed when None) picks the first choice when no model is set yet:
        FLUX.1-dev with a GPU, the demo model on a CPU-only computer."""
        super().__init__(parent)
        self.setWindowTitle("Set up the model")
        self.setMinimumWidth(560)
        self._download: Optional[ModelDownload] = None
        self._buttons = QButtonGroup(self)
        layout = QVBoxLayout(self)
        intro = QLabel("Stable Flow Studio edits with a FLUX model that runs on this computer. "
                       "Models are downloaded once into the Hugging Face cache and shared with other apps.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self._radios: dict[str, QRadioButton] = {}
        for option in OPTIONS:
            radio = QRadioButton(option.title, self)
            self._buttons.addButton(radio)
            self._radios[option.key] = radio
            text = QLabel(option.description, self)
            text.setWordWrap(True)
            text.setObjectName("hint")
            text.setContentsMargins(22, 0, 0, 4)
            layout.addWidget(radio)
            layout.addWidget(text)
            if option.needs_token:
                layout.addWidget(self._token_row())
            if option.repo_id is None:
                layout.addWidget(self._folder_row())
        # Every row keeps its place whatever is chosen or downloading: the status has room for
        # its longest usual message and the download controls never change size.
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.status.setMinimumHeight(STATUS_LINES * self.status.fontMetrics().lineSpacing())
        self.download_controls = DownloadControls("Download", "Cancel download", self)
        self.progress = self.download_controls.progress
        self.download_button = self.download_controls.download_button
        self.cancel_download_button = self.download_controls.cancel_button
        layout.addWidget(self.status)
        layout.addWidget(self.download_controls)
        self.caption_row = CaptionModelRow(caption_model, self)
        layout.addWidget(self.caption_row)
        self.button_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.button_box.button(QDialogButtonBox.StandardButton.Ok).setText("Use this model")
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)
        layout.addWidget(self.button_box)

        self._buttons.buttonToggled.connect(lambda *_: self._update())
        self.download_button.clicked.connect(self.start_download)
        self.cancel_download_button.clicked.connect(self.cancel_download)
        self._select_current(current_model, has_accelerator)
        # Tall enough for every wrapped line at its width (a window's size otherwise ignores
        # word wrapping, and on a small screen the descriptions would overlap).
        self.setMinimumHeight(layout.heightForWidth(self.minimumWidth()))

    def _token_row(self) -> QWidget:
        row = QWidget(self)
        box = QVBoxLayout(row)
        box.setContentsMargins(22, 0, 0, 6)
        self.token = QLineEdit(row)
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("Hugging Face access token (hf_…), from huggingface.co/settings/tokens")
        self.remember_token = QCheckBox("Remember it with the Hugging Face login (as 'hf auth login' does)", row)
        note = QLabel("The token is only sent to Hugging Face: never written to projects, settings or logs.", row)
        note.setObjectName("hint")
        note.setWordWrap(True)
        box.addWidget(self.token)
        box.addWidget(self.remember_token)
        box.addWidget(note)
        self.token.textChanged.connect(lambda _text: self._update())
        return row

    def _folder_row(self) -> QWidget:
        row = QWidget(self)
        box = QHBoxLayout(row)
        box.setContentsMargins(22, 0, 0, 6)
        self.folder = QLineEdit(row)
        self.folder.setPlaceholderText("/path/to/a/diffusers/flux/folder")
        browse = QPushButton("Browse…", row)
        browse.clicked.connect(self._browse)
        box.addWidget(self.folder, 1)
        box.addWidget(browse)
        self.folder.textChanged.connect(lambda _text: self._update())
        return row

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a diffusers model folder")
        if folder:
            self.folder.setText(folder)

    def _select_current(self, model: str, has_accelerator: Optional[bool]) -> None:
        key = next((option.key for option in OPTIONS if option.repo_id == model and model), None)
        if key is None and model:
            key = "local"
            self.folder.setText(model)
        if key is None:
            if has_accelerator is None:
                from core.model.devices import has_accelerator as probe

                has_accelerator = probe()
            key = "dev" if has_accelerator else "demo"
        self._radios[key].setChecked(True)

    # -- state ---------------------------------------------------------------------------
    def option(self) -> ModelOption:
        """The option selected."""
        return next(option for option in OPTIONS if self._radios[option.key].isChecked())

    def select(self, key: str) -> None:
        """Select an option by key (dev, schnell, local, demo, tiny)."""
        self._radios[key].setChecked(True)

    def chosen_model(self) -> str:
        """What to load: a Hugging Face id, a folder, demo or tiny-random."""
        option = self.option()
        return option.repo_id if option.repo_id is not None else self.folder.text().strip()

    def hf_token(self) -> Optional[str]:
        """The token typed (kept in memory by the caller only), or None."""
        return (self.token.text().strip() or None) if self.option().needs_token else None

    def _update(self) -> None:
        option = self.option()
        downloading = self._download is not None
        ready, message = self._readiness(option)
        self.status.setText(message)
        downloadable = option.repo_id not in (None, DEMO_MODEL_ID, TINY_MODEL)
        self.download_controls.set_downloading(downloading)
        self.download_button.setEnabled(downloadable and not (option.needs_token and not self.token.text().strip()))
        self.download_button.setToolTip("" if downloadable else f"{option.title} needs no download.")
        self.button_box.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ready and not downloading)

    def _readiness(self, option: ModelOption) -> tuple[bool, str]:
        if option.repo_id == DEMO_MODEL_ID:
            try:
                demo_model_folder()
            except ModelLoadError as error:
                return False, str(error)
            return True, "Ready: the demo model comes with the app."
        if option.repo_id == TINY_MODEL:
            return True, "Ready: the tiny model is built in."
        if option.repo_id is None:
            path = Path(self.folder.text().strip()).expanduser()
            if not self.folder.text().strip():
                return False, "Choose the model folder."
            if not (path / "model_index.json").is_file():
                return False, f"{path} is not a diffusers model folder (it has no model_index.json)."
            return True, "Ready: the folder holds a diffusers model."
        if is_cached(option.repo_id):
            return True, "In the Hugging Face cache. Press Download to check that every file is complete."
        if option.needs_token and not self.token.text().strip():
            return False, "Paste your access token, then press Download."
        return False, "Not downloaded yet: press Download (an interrupted download resumes where it stopped)."

    # -- downloading ---------------------------------------------------------------------
    def start_download(self) -> None:
        """Download the selected model into the Hugging Face cache."""
        option = self.option()
        remember = bool(option.needs_token and self.remember_token.isChecked())
        self._download = ModelDownload(option.repo_id, self.hf_token(), remember, parent=self)
        self._download.progress.connect(self._on_progress)
        self._download.finished.connect(self._on_finished)
        self._download.failed.connect(self._on_failed)
        self._download.cancelled.connect(self._on_cancelled)
        self._update()
        self.status.setText(f"Downloading {option.title}…")
        self._download.start()

    def cancel_download(self) -> None:
        """Stop the download (it resumes next time)."""
        if self._download is not None:
            self._download.cancel()
            self.status.setText("Cancelling…")

    def _on_progress(self, done: float, total: float) -> None:
        self.download_controls.show_progress(done, total)
        if total > 0:
            self.status.setText(f"Downloading: {_human_bytes(done)} of {_human_bytes(total)}")

    def _end_download(self, message: str) -> None:
        self._download = None
        self._update()
        self.status.setText(message)

    def _on_finished(self, _path: str) -> None:
        self._end_download("Downloaded: ready to use.")
        self.button_box.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)

    def _on_failed(self, message: str) -> None:
        self._end_download(message)

    def _on_cancelled(self) -> None:
        self._end_download("Download cancelled: press Download to resume it later.")

    def done(self, result: int) -> None:
        """Closing the dialog stops a running download (it resumes next time)."""
        if self._download is not None:
            self._download.wait()
            self._download = None
        self.caption_row.wait()
        super().done(result)

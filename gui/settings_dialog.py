"""The settings dialog: device, precision, weights, memory mode, cache folder and size, default steps."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QCheckBox,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from core.model.captioning import DEFAULT_CAPTION_MODEL
from gui.settings import AppSettings

MEMORY_MODE_LABELS = {
    "auto": "Automatic (chooses the fastest mode that fits the GPU, for every edit)",
    "none": "Everything on the GPU (fastest)",
    "model-cpu-offload": "Model offload (less GPU memory, a little slower)",
    "group-offload": "Group offload (streams the transformer's blocks; less memory)",
    "sequential-cpu-offload": "Sequential offload (least GPU memory, much slower)",
}
ATTENTION_BACKENDS = ("native", "_native_cudnn", "_native_efficient", "flash", "sage", "xformers")
NO_GPU = "No GPU on this machine: the model runs on the CPU, where memory modes and FP8 weights do not apply."
WEIGHT_LABELS = {
    "model": "As stored in the model",
    "fp8": "FP8 transformer weights (about half the GPU memory)",
}


def _choices(parent: QWidget, values, labels: dict[str, str], current: str,
             unavailable: Optional[dict[str, str]] = None) -> QComboBox:
    """A combo box of ``values`` shown by their labels (or as they are), ``current`` selected;
    ``unavailable`` values (value -> why) are greyed out with the reason as their tooltip."""
    box = QComboBox(parent)
    unavailable = unavailable or {}
    for value in values:
        box.addItem(labels.get(value, value), value)
        if value in unavailable:
            index = box.count() - 1
            box.model().item(index).setEnabled(False)
            box.setItemData(index, unavailable[value], Qt.ItemDataRole.ToolTipRole)
    chosen = box.findData(current)
    box.setCurrentIndex(chosen if chosen >= 0 and current not in unavailable else 0)
    return box


def unavailable_devices() -> dict[str, str]:
    """Devices this machine lacks, with the reason in words for the editor (imports torch)."""
    import torch

    from core.model.devices import cuda_unavailable_reason

    missing = {}
    if not torch.cuda.is_available():
        missing["cuda"] = cuda_unavailable_reason()
    if not torch.backends.mps.is_available():
        missing["mps"] = "Apple MPS is only on Macs with Apple silicon"
    return missing


class SettingsDialog(QDialog):
    """Edits a copy of the settings; :meth:`apply_to` writes them back."""

    def __init__(self, settings: AppSettings, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        # The engine's own choice lists (core.model.devices imports torch; the engine is loaded by now).
        from core.model.devices import DEVICE_CHOICES, DTYPE_CHOICES, WEIGHT_CHOICES, MemoryMode

        self.setWindowTitle("Settings")
        missing = unavailable_devices()
        self.has_gpu = not {"cuda", "mps"} <= set(missing)
        self.device = _choices(self, DEVICE_CHOICES, {}, settings.device, missing)
        self.precision = _choices(self, DTYPE_CHOICES, {}, settings.precision)
        self.weights = _choices(self, WEIGHT_CHOICES, WEIGHT_LABELS, settings.weights)
        self.memory_mode = _choices(self, [mode.value for mode in MemoryMode], MEMORY_MODE_LABELS,
                                    settings.memory_mode)
        self.peak_memory = QLabel(self)
        self.peak_memory.setObjectName("hint")
        self.peak_memory.setWordWrap(True)
        self.weights.currentIndexChanged.connect(self._show_peak_memory)
        self.memory_mode.currentIndexChanged.connect(self._show_peak_memory)
        if not self.has_gpu:
            for box in (self.memory_mode, self.weights):
                box.setEnabled(False)
                box.setToolTip(NO_GPU)
        self._show_peak_memory()
        self.kv_cache = QDoubleSpinBox(self)
        self.kv_cache.setRange(0, 1024)
        self.kv_cache.setSuffix(" GB")
        self.kv_cache.setSpecialValueText("Off")
        self.kv_cache.setToolTip("Memory for the source's recorded attention keys and values, so that editing the "
                                 "same image again runs only the edit (faster re-edits)")
        self.kv_cache.setValue(settings.kv_cache_gb)
        self.cache_folder = QLineEdit(settings.cache_folder, self)
        self.cache_folder.setPlaceholderText(str(settings.cache_root()))
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.cache_folder, 1)
        folder_row.addWidget(browse)
        self.cache_size = QDoubleSpinBox(self)
        self.cache_size.setRange(0.1, 10_000)
        self.cache_size.setSuffix(" GB")
        self.cache_size.setValue(settings.cache_size_gb)
        self.default_steps = QSpinBox(self)
        self.default_steps.setRange(0, 500)
        self.default_steps.setSpecialValueText("Method default")
        self.default_steps.setValue(settings.default_steps)
        self.compile = QCheckBox("Compile the model (faster steps after a one-off compilation per image size)", self)
        self.compile.setChecked(settings.compile_transformer)
        self.attention = _choices(self, dict.fromkeys((*ATTENTION_BACKENDS, settings.attention_backend)),
                                  {"native": "PyTorch (native)"}, settings.attention_backend)
        self.attention.setToolTip("diffusers' attention backend; others need their package and a GPU")

        self.caption_model = QLineEdit(settings.caption_model, self)
        self.caption_model.setToolTip("The Florence-2 model that describes photos opened without a description: "
                                      "a Hugging Face id or a local folder")

        self.export_quality = QSpinBox(self)
        self.export_quality.setRange(1, 100)
        self.export_quality.setValue(settings.export_quality)
        self.export_quality.setToolTip("JPEG and WebP quality of exported images (PNG is lossless)")
        self.export_size = QComboBox(self)
        self.export_size.addItem("The photo's original size", True)
        self.export_size.addItem("The working size the edit ran at", False)
        self.export_size.setCurrentIndex(0 if settings.export_original_size else 1)

        form = QFormLayout(self)
        form.addRow("Device", self.device)
        form.addRow("Precision", self.precision)
        form.addRow("Weights", self.weights)
        form.addRow("Memory mode", self.memory_mode)
        form.addRow("", self.peak_memory)
        form.addRow("Re-edit memory", self.kv_cache)
        form.addRow("Cache folder", folder_row)
        form.addRow("Latent cache size", self.cache_size)
        form.addRow("Default steps", self.default_steps)
        form.addRow("Speed", self.compile)
        form.addRow("Attention", self.attention)
        form.addRow("Captioning model", self.caption_model)
        form.addRow("Export quality", self.export_quality)
        form.addRow("Export size", self.export_size)
        note = QLabel("Device, precision, weights, memory mode, re-edit memory and speed take effect with the next "
                      "edit (the model reloads).")
        note.setObjectName("hint")
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _show_peak_memory(self) -> None:
        if not self.has_gpu:
            self.peak_memory.setText(NO_GPU)
            return
        from core.model.devices import MemoryMode
        from core.model.memory_auto import LADDER, EditShape, peak_gb
        from core.model.memory_estimate import estimate_peak_gb

        mode = MemoryMode(self.memory_mode.currentData())
        if mode is MemoryMode.AUTO:
            peaks = [peak_gb(rung, EditShape()) for rung in LADDER]
            self.peak_memory.setText(
                "Each edit gets the fastest mode whose expected peak fits the GPU's free memory (FLUX.1-dev at "
                f"1024×1024: from about {max(peaks):g} GB down to {min(peaks):g} GB); the status bar says which. "
                "On the CPU and Apple GPUs everything stays in memory.")
            return
        peak = estimate_peak_gb(mode, weights=self.weights.currentData())
        self.peak_memory.setText(f"Expected peak GPU memory with FLUX.1-dev at 1024×1024: about {peak:g} GB")

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the cache folder")
        if folder:
            self.cache_folder.setText(folder)

    def apply_to(self, settings: AppSettings) -> None:
        """Copy the dialog's values into ``settings``."""
        settings.device = self.device.currentData()
        settings.precision = self.precision.currentData()
        settings.weights = self.weights.currentData()
        settings.memory_mode = self.memory_mode.currentData()
        settings.kv_cache_gb = float(self.kv_cache.value())
        settings.cache_folder = self.cache_folder.text().strip()
        settings.cache_size_gb = float(self.cache_size.value())
        settings.default_steps = int(self.default_steps.value())
        settings.compile_transformer = self.compile.isChecked()
        settings.attention_backend = self.attention.currentData()
        settings.caption_model = self.caption_model.text().strip() or DEFAULT_CAPTION_MODEL
        settings.export_quality = int(self.export_quality.value())
        settings.export_original_size = bool(self.export_size.currentData())

"""The shipped demo model: ``--model demo`` loads the trained weights in resources/demo-model/."""

from __future__ import annotations

from pathlib import Path

from core.api.errors import ModelLoadError
from core.demo_world.scenes import IMAGE_SIZE
from core.storage.resources import resource_path

DEMO_MODEL_ID = "demo"
DEMO_FOLDER = "demo-model"
DEMO_TEXT_TOKENS = 32  # T5 tokens the demo model was trained with; its captions need about 22
DEMO_IMAGE_SIZE = IMAGE_SIZE


def demo_model_folder() -> Path:
    """The demo model's diffusers folder; a one-line error when its weights are missing."""
    folder = resource_path(DEMO_FOLDER)
    if not (folder / "model_index.json").is_file():
        raise ModelLoadError(
            f"the demo model is missing from {folder}: reinstall the app, or train it with "
            "'python main.py train-demo-model --output DIR' and pass --model DIR/model"
        )
    return folder

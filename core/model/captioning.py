"""Automatic source descriptions: transformers' native Florence-2 captions a photo in a few words.

The model is any Hugging Face id or local folder of a transformers-format Florence-2
(``Florence2ForConditionalGeneration``; the base size by default) or ``tiny-random-florence2``.
It comes from the normal Hugging Face cache and works offline once there; when it is
absent, :class:`CaptionModelMissing` says in one line how to get it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from core.api.errors import UserError
from core.model.tiny_florence import TINY_CAPTION_MODEL_ID

if TYPE_CHECKING:
    from PIL import Image

DEFAULT_CAPTION_MODEL = "florence-community/Florence-2-base"
CAPTION_TASK = "<CAPTION>"
MAX_CAPTION_TOKENS = 40
log = logging.getLogger(__name__)


class CaptionModelMissing(UserError):
    """The captioning model is not downloaded (or cannot be loaded); the message says what to do."""


def missing_message(model_id: str) -> str:
    """The one line shown when the captioning model is absent."""
    return (f"the captioning model {model_id} is not downloaded: get it in Model setup > 'Download the captioning "
            "model' (or run once online), or type the description yourself")


@dataclass
class Captioner:
    """A loaded captioning model; calling it on an image returns a short description."""

    model: Any
    processor: Any
    model_id: str

    def __call__(self, image: "Image.Image") -> str:
        import torch

        inputs = self.processor(text=CAPTION_TASK, images=image.convert("RGB"), return_tensors="pt")
        parameter = next(self.model.parameters())
        inputs = {name: value.to(parameter.device, parameter.dtype if value.is_floating_point() else value.dtype)
                  for name, value in inputs.items()}
        with torch.inference_mode():
            tokens = self.model.generate(**inputs, max_new_tokens=MAX_CAPTION_TOKENS, num_beams=3, do_sample=False)
        text = self.processor.batch_decode(tokens, skip_special_tokens=True)[0]
        return " ".join(text.split()).strip()


def _is_local(model_id: str) -> bool:
    return model_id.startswith((".", "/", "~")) or Path(model_id).expanduser().is_dir()


def load_captioner(model_id: str = DEFAULT_CAPTION_MODEL, device: Optional[Any] = None,
                   token: Optional[str] = None, offline: bool = False) -> Captioner:
    """Load the captioning model onto ``device`` (the CPU by default); one clear line when it is absent."""
    import torch

    device = torch.device(device or "cpu")
    if model_id == TINY_CAPTION_MODEL_ID:
        from core.model.tiny_florence import build_tiny_florence2

        model, processor = build_tiny_florence2()
        return Captioner(model.to(device), processor, model_id)
    from huggingface_hub.errors import LocalEntryNotFoundError, RepositoryNotFoundError
    from transformers import AutoProcessor, Florence2ForConditionalGeneration

    source = str(Path(model_id).expanduser()) if _is_local(model_id) else model_id
    if _is_local(model_id) and not (Path(source) / "config.json").is_file():
        raise CaptionModelMissing(f"{model_id} is not a captioning model folder (no config.json)")
    dtype = torch.float32 if device.type == "cpu" else torch.bfloat16
    try:
        processor = AutoProcessor.from_pretrained(source, token=token, local_files_only=offline)
        model = Florence2ForConditionalGeneration.from_pretrained(source, dtype=dtype, token=token,
                                                                  local_files_only=offline)
    except (LocalEntryNotFoundError, RepositoryNotFoundError):
        raise CaptionModelMissing(missing_message(model_id)) from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        if "offline" in str(error).lower() or "cache" in str(error).lower() or "connect" in str(error).lower():
            raise CaptionModelMissing(missing_message(model_id)) from None
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CaptionModelMissing(f"could not load the captioning model {model_id}: {first[:200]}") from None
    log.info("loaded the captioning model %s on %s", model_id, device)
    return Captioner(model.to(device).eval(), processor, model_id)


def caption_model_is_downloaded(model_id: str = DEFAULT_CAPTION_MODEL) -> bool:
    """Whether the model can load without the network (built in, a local folder, or in the HF cache)."""
    if model_id == TINY_CAPTION_MODEL_ID:
        return True
    if _is_local(model_id):
        return (Path(model_id).expanduser() / "config.json").is_file()
    from huggingface_hub import try_to_load_from_cache

    return all(isinstance(try_to_load_from_cache(model_id, name), str)
               for name in ("config.json", "model.safetensors"))


_loaded: dict[tuple[str, str], Captioner] = {}


def shared_captioner(model_id: str, device: Any = None, offline: bool = False) -> Captioner:
    """The captioner for ``model_id`` on ``device``, loaded once per process (one model kept at a time).

    Called from one thread only (the editor's worker). ``offline`` never touches the network.
    """
    key = (model_id, str(device or "cpu"))
    if key not in _loaded:
        _loaded.clear()
        _loaded[key] = load_captioner(model_id, device, offline=offline)
    return _loaded[key]

"""Image similarity for vital-layer detection: DINOv2 CLS embeddings and their cosine.

The embedding of an image is DINOv2's CLS token after the final layer norm,
``last_hidden_state[:, 0]`` (for ``Dinov2Model`` this is exactly ``pooler_output``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Sequence

import torch
from PIL import Image

from core.api.errors import ModelLoadError
from core.model.tiny_dinov2 import TINY_METRIC_ID, build_tiny_dinov2
from core.vital.vae_metric import DEMO_VAE_METRIC_ID

EMBEDDING = "CLS token after the final layer norm (last_hidden_state[:, 0])"


class ImageEmbedder:
    """CLS embeddings of PIL images from a DINOv2-style vision transformer."""

    def __init__(self, model: Any, processor: Any, model_id: str, device: torch.device, dtype: torch.dtype) -> None:
        self.model = model.to(device=device, dtype=dtype).eval()
        self.processor = processor
        self.model_id = model_id
        self.device = device
        self.dtype = dtype

    @torch.no_grad()
    def embed(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """(n, D) float32 CPU embeddings, one row per image."""
        inputs = self.processor(images=[image.convert("RGB") for image in images], return_tensors="pt")
        pixels = inputs["pixel_values"].to(device=self.device, dtype=self.dtype)
        hidden = self.model(pixel_values=pixels).last_hidden_state
        return hidden[:, 0].to(device="cpu", dtype=torch.float32)


def cosine_similarities(reference: torch.Tensor, others: torch.Tensor) -> list[float]:
    """Row-wise cosine similarity of two (n, D) embedding batches, computed in float64."""
    return torch.nn.functional.cosine_similarity(reference.double(), others.double(), dim=-1).tolist()


def _looks_like_path(name: str) -> bool:
    return name.startswith((".", "/", "~")) or "\\" in name or Path(name).expanduser().exists() or name.count("/") > 1


def load_metric_model(
    name: str, device: torch.device, dtype: torch.dtype, hf_token: Optional[str] = None
) -> ImageEmbedder:
    """A Hugging Face id, a local folder saved with ``save_pretrained``, or ``tiny-random``.

    Raises :class:`ModelLoadError` with a one-line reason. ``hf_token`` is used for the
    download only.
    """
    if name == DEMO_VAE_METRIC_ID:  # offline metric for the demo model (core/vital/vae_metric.py)
        from core.vital.vae_metric import load_demo_vae_embedder

        return load_demo_vae_embedder(device, dtype)
    if name == TINY_METRIC_ID:
        model, processor = build_tiny_dinov2()
        return ImageEmbedder(model, processor, TINY_METRIC_ID, device, dtype)
    source = name
    if _looks_like_path(name):
        path = Path(name).expanduser()
        if not (path / "config.json").is_file():
            raise ModelLoadError(
                f"metric model folder not found or not a transformers model (no config.json): {path}"
            )
        source = str(path.resolve())
    # Imported here: only real metric models need the auto classes.
    from transformers import AutoImageProcessor, AutoModel

    try:
        model = AutoModel.from_pretrained(source, token=hf_token)
        processor = AutoImageProcessor.from_pretrained(source, token=hf_token)
    except (OSError, ValueError, KeyError) as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelLoadError(
            f"could not load the metric model '{name}': {first_line} "
            "(give a Hugging Face id such as facebook/dinov2-giant, a local folder, or tiny-random)"
        ) from None
    return ImageEmbedder(model, processor, source, device, dtype)

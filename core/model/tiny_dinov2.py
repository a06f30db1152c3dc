"""The built-in ``tiny-random`` metric model: a small random DINOv2 built locally.

It has DINOv2's architecture (patch embedding, CLS token, transformer encoder, final
layer norm) at toy width, with an image processor configured in code, so vital-layer
detection runs end to end on a CPU in seconds with no downloads. Its similarities carry
no meaning beyond "the images differ"; it exists for tests and demos.
"""

from __future__ import annotations

import torch
from transformers import Dinov2Config, Dinov2Model

try:  # transformers >= 5: the PIL backend needs no torchvision
    from transformers import BitImageProcessorPil as _ImageProcessor
except ImportError:  # pragma: no cover - older transformers
    from transformers import BitImageProcessor as _ImageProcessor

TINY_METRIC_ID = "tiny-random"
_IMAGE_SIDE = 28
_IMAGENET_MEAN = [0.485, 0.456, 0.406]
_IMAGENET_STD = [0.229, 0.224, 0.225]


def build_tiny_dinov2(seed: int = 0) -> tuple[Dinov2Model, _ImageProcessor]:
    """A random DINOv2 (float32, CPU, eval mode) and its processor; the same for a given seed."""
    processor = _ImageProcessor(
        do_resize=True,
        size={"shortest_edge": 32},
        do_center_crop=True,
        crop_size={"height": _IMAGE_SIDE, "width": _IMAGE_SIDE},
        do_normalize=True,
        image_mean=_IMAGENET_MEAN,
        image_std=_IMAGENET_STD,
    )
    config = Dinov2Config(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        mlp_ratio=2,
        patch_size=7,
        image_size=_IMAGE_SIDE,
        # Far above DINOv2's 0.02: at toy width that keeps the CLS token sensitive to image content.
        initializer_range=0.5,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = Dinov2Model(config)
    return model.eval(), processor

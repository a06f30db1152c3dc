"""``auto`` as a photo's description on the command line: the captioning model writes it."""

from __future__ import annotations

import argparse
from typing import Optional

from PIL import Image

from core.batch.source_prompts import AUTO
from core.model.captioning import DEFAULT_CAPTION_MODEL


def add_caption_argument(parser: argparse.ArgumentParser) -> None:
    """--caption-model: the Florence-2 model behind ``auto`` descriptions."""
    parser.add_argument("--caption-model", default=DEFAULT_CAPTION_MODEL,
                        help="Florence-2 model (Hugging Face id or folder) that writes 'auto' descriptions "
                             "(default %(default)s)")


def is_auto(prompt: Optional[str]) -> bool:
    """Whether the description is to be written by the captioning model."""
    return prompt is not None and prompt.strip().lower() == AUTO


def describe_photo(args: argparse.Namespace, image: Image.Image, device) -> str:
    """Caption ``image`` with the chosen model (loaded after the editing model, on its device)."""
    from cli.model_options import hf_token_from_args
    from core.model.captioning import load_captioner

    caption = load_captioner(args.caption_model, device, hf_token_from_args(args))(image)
    print(f"description (auto): {caption}", flush=True)
    return caption

"""A loss-curve PNG of a demo-model training run, drawn with Pillow."""

from __future__ import annotations

import io
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from core.storage.atomic import atomic_write_bytes

PANEL_W, PANEL_H, MARGIN = 460, 300, 48


def smooth(values: list[float], window: int) -> list[float]:
    """Running mean over the last ``window`` values."""
    out, total = [], 0.0
    for index, value in enumerate(values):
        total += value
        if index >= window:
            total -= values[index - window]
        out.append(total / min(index + 1, window))
    return out


def _panel(title: str, losses: list[float]) -> Image.Image:
    image = Image.new("RGB", (PANEL_W, PANEL_H), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    draw.text((MARGIN, 8), title, fill="black", font=font)
    left, top, right, bottom = MARGIN, 28, PANEL_W - 12, PANEL_H - 30
    draw.rectangle([left, top, right, bottom], outline="black")
    if len(losses) < 2:
        draw.text((left + 10, top + 10), "no steps yet", fill="gray", font=font)
        return image
    curve = smooth(losses, max(1, len(losses) // 50))
    logs = [math.log10(max(v, 1e-8)) for v in curve]
    low, high = min(logs), max(logs)
    high = high if high > low else low + 1.0
    points = [
        (left + (right - left) * i / (len(logs) - 1), bottom - (bottom - top) * (v - low) / (high - low))
        for i, v in enumerate(logs)
    ]
    draw.line(points, fill=(40, 80, 220), width=2)
    draw.text((4, top), f"{10 ** high:.3g}", fill="black", font=font)
    draw.text((4, bottom - 10), f"{10 ** low:.3g}", fill="black", font=font)
    draw.text((left, bottom + 6), "step 0", fill="black", font=font)
    draw.text((right - 70, bottom + 6), f"step {len(losses)}", fill="black", font=font)
    return image


def write_loss_curve(path: Path, vae_losses: list[float], transformer_losses: list[float]) -> None:
    """Two panels (VAE, transformer), log-scaled smoothed loss against step, saved as PNG."""
    canvas = Image.new("RGB", (PANEL_W * 2, PANEL_H), "white")
    canvas.paste(_panel("VAE loss (L1 + MSE + KL)", vae_losses), (0, 0))
    canvas.paste(_panel("Transformer loss (flow-matching MSE)", transformer_losses), (PANEL_W, 0))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    atomic_write_bytes(path, buffer.getvalue())

"""A bar chart of per-layer similarity, drawn with Pillow.

One bar per global layer: its mean similarity to the full image under the detection's metric
(DINOv2, or the demo VAE's latents; low = vital).
Double-stream and single-stream blocks sit on differently tinted backgrounds and have
their own bar colours; chosen (vital) layers are drawn in the strong shade of their colour
with a marker above the bar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

from PIL import Image, ImageDraw, ImageFont

from core.model.vital_layers import BlockLayout

DOUBLE_COLOUR = (160, 190, 225)
DOUBLE_CHOSEN_COLOUR = (31, 87, 160)
SINGLE_COLOUR = (170, 215, 170)
SINGLE_CHOSEN_COLOUR = (35, 125, 55)
MARKER_COLOUR = (200, 40, 40)
_DOUBLE_BACKGROUND = (240, 245, 252)
_SINGLE_BACKGROUND = (242, 249, 242)
_TEXT = (20, 20, 20)
_GRID = (215, 215, 215)

_LEFT, _RIGHT, _TOP, _BOTTOM = 80, 24, 96, 62
_PLOT_HEIGHT = 340


def _tick_step(span: float) -> float:
    """A 1-2-5 step giving about four to eight ticks over ``span``."""
    raw = max(span, 1e-6) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


@dataclass(frozen=True)
class ChartGeometry:
    """Where things are in the chart: bar spans and the similarity axis (from ``y_min`` to 1)."""

    num_layers: int
    pitch: float
    y_min: float
    tick_step: float
    width: int
    height: int = _TOP + _PLOT_HEIGHT + _BOTTOM

    @classmethod
    def for_values(cls, values: Sequence[float]) -> "ChartGeometry":
        """Bars wide enough to read; the axis starts a tick below the lowest similarity."""
        pitch = min(80.0, max(8.0, 1000.0 / len(values)))
        lowest = min(min(values), 1.0)
        step = _tick_step(1.0 - lowest)
        y_min = (math.floor(lowest / step) - (1 if lowest < 1.0 else 0)) * step
        if lowest >= 0:
            y_min = max(0.0, y_min)
        width = max(int(_LEFT + pitch * len(values) + _RIGHT), 720)
        return cls(len(values), pitch, y_min, step, width)

    def ticks(self) -> list[float]:
        """Axis tick values from ``y_min`` to 1."""
        count = int(round((1.0 - self.y_min) / self.tick_step))
        return [self.y_min + i * self.tick_step for i in range(count + 1)]

    def bar_span(self, layer: int) -> tuple[int, int]:
        """Left and right x of the bar of ``layer``."""
        left = _LEFT + layer * self.pitch
        gap = max(1.0, self.pitch * 0.18)
        return int(round(left + gap / 2)), int(round(left + self.pitch - gap / 2)) - 1

    def y(self, value: float) -> int:
        """The pixel row of a similarity value."""
        clamped = min(1.0, max(self.y_min, value))
        return int(round(_TOP + (1.0 - clamped) / (1.0 - self.y_min) * _PLOT_HEIGHT))


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _vertical_text(text: str, font, fill) -> Image.Image:
    left, top, right, bottom = font.getbbox(text)
    label = Image.new("RGBA", (right - left + 2, bottom + 2), (0, 0, 0, 0))
    ImageDraw.Draw(label).text((-left + 1, 0), text, font=font, fill=fill)
    return label.rotate(90, expand=True)


def _legend(draw: ImageDraw.ImageDraw, x: int, y: int, font) -> None:
    entries = [
        (DOUBLE_COLOUR, "double-stream block"),
        (SINGLE_COLOUR, "single-stream block"),
        (DOUBLE_CHOSEN_COLOUR, "chosen (vital), double"),
        (SINGLE_CHOSEN_COLOUR, "chosen (vital), single"),
    ]
    for colour, label in entries:
        draw.rectangle((x, y + 2, x + 11, y + 13), fill=colour)
        draw.text((x + 16, y), label, font=font, fill=_TEXT)
        x += 28 + int(draw.textlength(label, font=font))


def draw_similarity_chart(
    mean_similarity: Sequence[float],
    layout: BlockLayout,
    chosen: Sequence[int],
    title: str,
    threshold: Optional[float] = None,
    metric: str = "DINOv2",
) -> Image.Image:
    """The chart as an RGB image; ``threshold`` (on vitality) is drawn as a dashed line and
    ``metric`` names what the similarity was measured with on the vertical axis."""
    geometry = ChartGeometry.for_values(mean_similarity)
    image = Image.new("RGB", (geometry.width, geometry.height), "white")
    draw = ImageDraw.Draw(image)
    small, normal = _font(11), _font(13)
    top, bottom = geometry.y(1.0), geometry.y(geometry.y_min)
    split_x = int(round(_LEFT + layout.num_double * geometry.pitch))
    right = int(round(_LEFT + geometry.num_layers * geometry.pitch))
    draw.rectangle((_LEFT, top, split_x, bottom), fill=_DOUBLE_BACKGROUND)
    draw.rectangle((split_x, top, right, bottom), fill=_SINGLE_BACKGROUND)
    draw.text(((_LEFT + split_x) / 2, top - 14), "double-stream blocks", font=small, fill=DOUBLE_CHOSEN_COLOUR,
              anchor="ms")
    draw.text(((split_x + right) / 2, top - 14), "single-stream blocks", font=small, fill=SINGLE_CHOSEN_COLOUR,
              anchor="ms")

    decimals = max(1, -math.floor(math.log10(geometry.tick_step)))
    for tick in geometry.ticks():
        y = geometry.y(tick)
        draw.line((_LEFT, y, right, y), fill=_GRID)
        draw.text((_LEFT - 6, y), f"{tick:.{decimals}f}", font=small, fill=_TEXT, anchor="rm")

    chosen_set = set(chosen)
    label_every = max(1, math.ceil(22 / geometry.pitch))
    for layer, value in enumerate(mean_similarity):
        double = layer < layout.num_double
        if layer in chosen_set:
            colour = DOUBLE_CHOSEN_COLOUR if double else SINGLE_CHOSEN_COLOUR
        else:
            colour = DOUBLE_COLOUR if double else SINGLE_COLOUR
        x0, x1 = geometry.bar_span(layer)
        bar_top = geometry.y(value)
        draw.rectangle((x0, min(bar_top, bottom - 1), x1, bottom), fill=colour)
        centre = (x0 + x1) / 2
        if layer in chosen_set:
            draw.polygon([(centre - 4, bar_top - 10), (centre + 4, bar_top - 10), (centre, bar_top - 3)],
                         fill=MARKER_COLOUR)
        if layer % label_every == 0 or layer in chosen_set:
            draw.text((centre, bottom + 4), str(layer), font=small, fill=_TEXT, anchor="mt")

    draw.line((split_x, top, split_x, bottom), fill=(120, 120, 120), width=1)
    draw.line((_LEFT, top, _LEFT, bottom), fill=_TEXT)
    draw.line((_LEFT, bottom, right, bottom), fill=_TEXT)
    if threshold is not None and geometry.y_min <= 1.0 - threshold <= 1.0:
        y = geometry.y(1.0 - threshold)
        for x in range(_LEFT, right, 10):
            draw.line((x, y, min(x + 5, right), y), fill=MARKER_COLOUR, width=2)
        draw.text((right - 4, y - 3), f"vitality {threshold:g}", font=small, fill=MARKER_COLOUR, anchor="rb")

    draw.text((_LEFT, 10), title, font=normal, fill=_TEXT)
    _legend(draw, _LEFT, 34, small)
    draw.text(((_LEFT + right) / 2, bottom + 24), "layer (global block index)", font=normal, fill=_TEXT, anchor="mt")
    axis_label = _vertical_text(f"mean {metric} similarity to the full image", normal, _TEXT)
    image.paste(axis_label, (8, top + (bottom - top - axis_label.height) // 2), axis_label)
    return image

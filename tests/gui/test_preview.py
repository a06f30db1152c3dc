"""Live previews: the newest edit row decoded, a few times a second at most."""

from __future__ import annotations

import torch

from gui.preview import MIN_INTERVAL, PreviewMaker


def test_previews_show_the_last_row_and_are_throttled(tiny_model):
    now = [10.0]
    maker = PreviewMaker(tiny_model, 32, 48, clock=lambda: now[0])
    tokens = tiny_model.image_tokens(32, 48)
    latents = torch.randn(2, tokens, tiny_model.latent_channels)

    assert maker.maybe_preview("invert", latents) is None  # inversion latents are noise-bound
    first = maker.maybe_preview("edit", latents)
    assert first is not None and (first.width(), first.height()) == (48, 32)
    now[0] += MIN_INTERVAL / 2
    assert maker.maybe_preview("edit", latents) is None
    now[0] += MIN_INTERVAL
    changed = latents.clone()
    changed[0] = 0  # row 0 is the source row: it must not be what the preview shows
    again = maker.maybe_preview("edit", changed)
    assert again is not None and again == first

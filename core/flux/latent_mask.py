"""Latent blending for masked edits (ALGORITHMS.md section 5), the one place every method's
sampling loop calls after each step.

The pixel mask is averaged over each packed token's pixel patch and dilated by one token
(so the seam is generated, not pasted); after step i every edit row becomes
``m * row + (1 - m) * ref``, ``ref`` being the source at the same level. Without a mask, or
with a full one, rows are returned untouched, so the unmasked edit is reproduced exactly.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F

from core.flux.masks import is_full


def token_mask(mask: np.ndarray, patch: int) -> torch.Tensor:
    """(tokens, 1) float32: ``mask`` (H, W) averaged over each ``patch`` x ``patch`` token, in
    the packed token order (row-major), dilated by one token."""
    height, width = mask.shape
    if height % patch or width % patch:
        raise ValueError(f"a {width}x{height} mask does not tile into {patch}-pixel tokens")
    grid = F.avg_pool2d(torch.from_numpy(np.ascontiguousarray(mask, dtype=np.float32))[None, None], patch)
    dilated = F.max_pool2d(grid, kernel_size=3, stride=1, padding=1)
    return dilated.reshape(-1, 1)


class LatentBlend:
    """Blends edit rows with the source outside a mask; a no-op without one (or with a full one)."""

    def __init__(self, mask: Optional[np.ndarray], patch: int, device: torch.device | str = "cpu") -> None:
        self.active = mask is not None and not is_full(mask)
        self.weights = token_mask(mask, patch).to(device)[None] if self.active else None

    @classmethod
    def for_model(cls, model, mask: Optional[np.ndarray]) -> "LatentBlend":
        """The blend for ``model``'s token patch (twice the VAE's scale: FLUX packs 2x2 latents)."""
        return cls(mask, 2 * model.pipeline.vae_scale_factor, model.device)

    def __call__(self, rows: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        """``m * rows + (1 - m) * ref`` (``ref`` broadcasts over the rows), in ``rows``' dtype."""
        if not self.active:
            return rows
        weights = self.weights
        blended = weights * rows.float() + (1 - weights) * ref.to(rows.device).float()
        return blended.to(rows.dtype)

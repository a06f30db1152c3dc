"""What a demo-model training run trains, importable without torch (the CLI's help shows the defaults)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainSettings:
    """What a run trains; a resumed run must use the same settings."""

    seed: int = 0
    vae_steps: int = 2500
    vae_batch: int = 16
    vae_lr: float = 1e-3
    transformer_steps: int = 10000
    transformer_batch: int = 16
    transformer_lr: float = 8e-4
    distilled_share: float = 0.4  # the last share of transformer steps distils guidance (training.py)
    # Then the horizon world (a fine-tune): first the plain world teaches which colour word belongs to
    # what, then the horizon teaches what a caption leaves unsaid (README: Demo model, training).
    horizon_vae_steps: int = 700
    horizon_transformer_steps: int = 2000  # all distil guidance
    horizon_lr: float = 3e-4
    warmup: int = 100
    checkpoint_every: int = 500

"""Expected peak GPU memory of each memory mode, for the settings dialog and the CLI.

These are estimates from parameter counts and activation sizes, not measurements: weights
count exactly, activations use a rule of thumb (about sixteen hidden-state-sized tensors alive
in a block, attention computed without the quadratic score matrix, as PyTorch SDPA and
flash attention do). The benchmark's measured peaks are the reference; these numbers let
the settings say ahead of time which modes fit a card.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.model.devices import PLACED_MODES, MemoryMode
from core.rules.prompts import MAX_SEQUENCE_LENGTH

GB = 1024**3
# FLUX.1-dev's real component sizes (parameters).
FLUX_DEV_TRANSFORMER = 11_901_408_320
FLUX_DEV_T5 = 4_762_310_656
FLUX_DEV_CLIP = 123_060_480
FLUX_DEV_VAE = 83_819_683
FLUX_DEV_INNER = 3072
FLUX_DEV_BLOCKS = 57


@dataclass(frozen=True)
class ModelSize:
    """Parameter counts and widths that decide memory use."""

    transformer: int = FLUX_DEV_TRANSFORMER
    t5: int = FLUX_DEV_T5
    clip: int = FLUX_DEV_CLIP
    vae: int = FLUX_DEV_VAE
    inner_dim: int = FLUX_DEV_INNER
    num_blocks: int = FLUX_DEV_BLOCKS


def estimate_peak_gb(
    mode: MemoryMode,
    *,
    height: int = 1024,
    width: int = 1024,
    batch: int = 2,
    text_len: int = MAX_SEQUENCE_LENGTH,
    weights: str = "model",
    dtype_bytes: int = 2,
    size: ModelSize = ModelSize(),
) -> float:
    """Expected peak GPU memory in GiB of a Stable Flow edit in ``mode`` (not AUTO, which picks a mode)."""
    if mode is MemoryMode.AUTO:
        raise ValueError("the automatic memory mode has no estimate of its own: resolve it first")
    transformer = size.transformer * (1 if weights == "fp8" else dtype_bytes)
    encoders = (size.t5 + size.clip) * dtype_bytes
    vae = size.vae * dtype_bytes
    tokens = (height // 16) * (width // 16) + text_len
    activations = 16 * batch * tokens * size.inner_dim * dtype_bytes
    vae_decode = 10 * 128 * height * width * dtype_bytes  # full-resolution feature maps of the decoder
    encode = encoders + 4 * text_len * 4096 * dtype_bytes
    block = transformer / size.num_blocks
    if mode is MemoryMode.NONE:
        peak = transformer + vae + max(encode, activations, vae_decode)
    elif mode is MemoryMode.MODEL_CPU_OFFLOAD:
        peak = max(encode, transformer + activations, vae + vae_decode)
    elif mode is MemoryMode.GROUP_OFFLOAD:
        peak = max(encode, 3 * block + activations, vae + vae_decode) + vae
    else:
        peak = max(encode / 24, 2 * block / 4 + activations, vae_decode)
    return round(peak / GB, 1)


def memory_table(height: int = 1024, width: int = 1024, size: ModelSize = ModelSize()) -> list[tuple[str, str, float]]:
    """(mode, weights, expected peak GiB) for every combination, for display."""
    return [
        (mode.value, weights, estimate_peak_gb(mode, height=height, width=width, weights=weights, size=size))
        for weights in ("model", "fp8")
        for mode in PLACED_MODES
    ]

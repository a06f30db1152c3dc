"""The demo model's architecture: stock FLUX components at a size a laptop CPU trains in hours.

64x64 images, a 16-channel VAE with 4x downsampling (16x16 latents, 64 packed image tokens),
a FluxTransformer2DModel with guidance embedding (2 double + 4 single blocks, inner width 128)
and CLIP + T5 text encoders over the project's word-level tokenizer. The text encoders stay
frozen at their random initialisation: every word of the world's grammar is one token, so
different captions already give different embeddings, and training them would cost CPU time
the transformer needs more.
"""

from __future__ import annotations

from diffusers import FluxPipeline

from core.demo_world.captions import GRAMMAR_WORDS
from core.model.tiny_flux import RandomFluxSize, build_random_flux_pipeline

DEMO_SIZE = RandomFluxSize(
    num_double=2, num_single=4, heads=4, head_dim=32, rope_axes=(4, 14, 14), t5_width=64, clip_width=64,
    vae_channels=(16, 32, 64), vae_layers_per_block=1, vae_groups=8, extra_words=GRAMMAR_WORDS,
    vae_sample_size=64,
)


def build_untrained_demo_pipeline(seed: int = 0) -> FluxPipeline:
    """The demo pipeline before training: every weight drawn from ``seed``."""
    return build_random_flux_pipeline(DEMO_SIZE, seed=seed)

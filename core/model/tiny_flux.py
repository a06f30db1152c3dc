"""Random FLUX pipelines built locally: ``tiny-random`` and the full-size ``flux-dev-random``.

It has the real FLUX architecture (double then single transformer blocks, CLIP + T5 text
encoders, a 16-channel VAE with 8x downsampling, FLUX's scheduler) at toy width, so the
whole engine runs on a CPU in seconds with no downloads. Weights come from a fixed seed,
so every process builds the same model. ``flux-dev-random`` has FLUX.1-dev's transformer
and VAE at full size with random weights, for timing on a GPU where the real weights are
absent (timing does not depend on the weights' values). Tokenizers are WordPiece models over a small
English vocabulary plus single characters, so any prompt tokenizes and different prompts
give different embeddings.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import torch
from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import CLIPTextConfig, CLIPTextModel, PreTrainedTokenizerFast, T5Config, T5EncoderModel

TINY_MODEL_ID = "tiny-random"
FLUX_DEV_RANDOM_ID = "flux-dev-random"
TINY_NUM_DOUBLE_BLOCKS = 2
TINY_NUM_SINGLE_BLOCKS = 4
_TEXT_WIDTH = 32
_CLIP_MAX_LENGTH = 77
_T5_MAX_LENGTH = 512

_WORDS = (
    "a an the of in on at with and or photo picture image painting drawing sketch render "
    "dog cat bird horse cow sheep bear lion tiger fox rabbit mouse fish car bus truck bike "
    "boat plane train house tree flower forest mountain river lake sea beach sky cloud sun "
    "moon star city street road park garden room table chair bed lamp window door wall "
    "man woman child person girl boy face hat straw glasses shirt dress coat shoes "
    "red green blue yellow black white orange purple pink brown gray golden silver "
    "big small tall old young happy sad sitting standing running jumping wearing holding "
    "eating sleeping looking snow rain night day winter summer autumn spring morning evening "
    "apple avocado cake cup bottle book ball toy sign text hello world vase chair sofa"
).split()


def _build_tokenizer(bos: bool, max_length: int, extra_words: tuple[str, ...] = ()) -> PreTrainedTokenizerFast:
    """A WordPiece tokenizer: known words are one token, anything else is spelled out."""
    special = ["[PAD]", "[UNK]", "[BOS]", "[EOS]"]
    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    vocab_list = special + list(dict.fromkeys(_WORDS + list(extra_words))) + chars + ["##" + c for c in chars]
    vocab = {token: index for index, token in enumerate(vocab_list)}
    tokenizer = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    template = "[BOS] $A [EOS]" if bos else "$A [EOS]"
    tokenizer.post_processor = processors.TemplateProcessing(
        single=template, special_tokens=[("[BOS]", vocab["[BOS]"]), ("[EOS]", vocab["[EOS]"])]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        model_max_length=max_length,
        pad_token="[PAD]",
        unk_token="[UNK]",
        bos_token="[BOS]",
        eos_token="[EOS]",
    )


@dataclass(frozen=True)
class RandomFluxSize:
    """Widths and depths of a randomly initialised FLUX-architecture pipeline."""

    num_double: int
    num_single: int
    heads: int
    head_dim: int
    rope_axes: tuple[int, int, int]
    t5_width: int
    clip_width: int
    vae_channels: tuple[int, ...]
    vae_layers_per_block: int
    vae_groups: int
    extra_words: tuple[str, ...] = ()  # words the tokenizers keep whole, beyond the shared vocabulary
    vae_sample_size: int = 0  # 0: 64 for toy widths, 1024 otherwise


TINY_SIZE = RandomFluxSize(TINY_NUM_DOUBLE_BLOCKS, TINY_NUM_SINGLE_BLOCKS, 2, 16, (4, 6, 6), _TEXT_WIDTH,
                           _TEXT_WIDTH, (8, 8, 16, 16), 1, 4)
# FLUX.1-dev's transformer and VAE at full size. The text encoders are one-layer stand-ins with
# FLUX's output widths: they run once per prompt, so timing the edit loop does not depend on them.
FLUX_DEV_SIZE = RandomFluxSize(19, 38, 24, 128, (16, 56, 56), 4096, 768, (128, 256, 512, 512), 2, 32)


def build_tiny_flux_pipeline(seed: int = 0) -> FluxPipeline:
    """Build the ``tiny-random`` FluxPipeline in float32 on the CPU (deterministic for a seed)."""
    return build_random_flux_pipeline(TINY_SIZE, seed=seed)


def build_random_flux_pipeline(
    size: RandomFluxSize, seed: int = 0, device: str | torch.device = "cpu", dtype: torch.dtype = torch.float32
) -> FluxPipeline:
    """A FluxPipeline of the given size with random weights, built on ``device`` in ``dtype``."""
    clip_tokenizer = _build_tokenizer(bos=True, max_length=_CLIP_MAX_LENGTH, extra_words=size.extra_words)
    t5_tokenizer = _build_tokenizer(bos=False, max_length=_T5_MAX_LENGTH, extra_words=size.extra_words)
    vocab_size = len(clip_tokenizer)
    tiny_text = size.clip_width <= 64

    rng_state = torch.random.get_rng_state()
    default_dtype = torch.get_default_dtype()
    try:
        torch.manual_seed(seed)
        torch.set_default_dtype(dtype)
        with torch.device(device):
            text_encoder = CLIPTextModel(
                CLIPTextConfig(
                    vocab_size=vocab_size,
                    hidden_size=size.clip_width,
                    intermediate_size=64 if tiny_text else 1024,
                    num_hidden_layers=2 if tiny_text else 1,
                    num_attention_heads=2 if tiny_text else 12,
                    max_position_embeddings=_CLIP_MAX_LENGTH,
                    pad_token_id=clip_tokenizer.pad_token_id,
                    bos_token_id=clip_tokenizer.bos_token_id,
                    eos_token_id=clip_tokenizer.eos_token_id,
                    projection_dim=size.clip_width,
                )
            )
            text_encoder_2 = T5EncoderModel(
                T5Config(
                    vocab_size=vocab_size,
                    d_model=size.t5_width,
                    d_kv=8 if tiny_text else 64,
                    d_ff=64 if tiny_text else 1024,
                    num_layers=2 if tiny_text else 1,
                    num_heads=4 if tiny_text else 8,
                    relative_attention_num_buckets=8 if tiny_text else 32,
                    pad_token_id=t5_tokenizer.pad_token_id,
                    eos_token_id=t5_tokenizer.eos_token_id,
                    decoder_start_token_id=t5_tokenizer.pad_token_id,
                )
            )
            transformer = FluxTransformer2DModel(
                patch_size=1,
                in_channels=64,
                num_layers=size.num_double,
                num_single_layers=size.num_single,
                attention_head_dim=size.head_dim,
                num_attention_heads=size.heads,
                joint_attention_dim=size.t5_width,
                pooled_projection_dim=size.clip_width,
                guidance_embeds=True,
                axes_dims_rope=size.rope_axes,
            )
            vae = AutoencoderKL(
                in_channels=3,
                out_channels=3,
                down_block_types=("DownEncoderBlock2D",) * len(size.vae_channels),
                up_block_types=("UpDecoderBlock2D",) * len(size.vae_channels),
                block_out_channels=size.vae_channels,
                layers_per_block=size.vae_layers_per_block,
                latent_channels=16,
                norm_num_groups=size.vae_groups,
                sample_size=size.vae_sample_size or (64 if tiny_text else 1024),
                scaling_factor=0.3611,
                shift_factor=0.1159,
                use_quant_conv=False,
                use_post_quant_conv=False,
            )
    finally:
        torch.set_default_dtype(default_dtype)
        torch.random.set_rng_state(rng_state)

    scheduler = FlowMatchEulerDiscreteScheduler(
        num_train_timesteps=1000,
        shift=3.0,
        use_dynamic_shifting=True,
        base_shift=0.5,
        max_shift=1.15,
        base_image_seq_len=256,
        max_image_seq_len=4096,
    )
    pipeline = FluxPipeline(
        scheduler=scheduler,
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=clip_tokenizer,
        text_encoder_2=text_encoder_2,
        tokenizer_2=t5_tokenizer,
        transformer=transformer,
    )
    pipeline.set_progress_bar_config(disable=True)
    for module in (text_encoder, text_encoder_2, transformer, vae):
        module.eval()
    return pipeline

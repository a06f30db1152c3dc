"""The built-in ``tiny-random`` model: a small random FLUX pipeline built locally.

It has the real FLUX architecture (double then single transformer blocks, CLIP + T5 text
encoders, a 16-channel VAE with 8x downsampling, FLUX's scheduler) at toy width, so the
whole engine runs on a CPU in seconds with no downloads. Weights come from a fixed seed,
so every process builds the same model. Tokenizers are WordPiece models over a small
English vocabulary plus single characters, so any prompt tokenizes and different prompts
give different embeddings.
"""

from __future__ import annotations

import string

import torch
from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import CLIPTextConfig, CLIPTextModel, PreTrainedTokenizerFast, T5Config, T5EncoderModel

TINY_MODEL_ID = "tiny-random"
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


def _build_tokenizer(bos: bool, max_length: int) -> PreTrainedTokenizerFast:
    """A WordPiece tokenizer: known words are one token, anything else is spelled out."""
    special = ["[PAD]", "[UNK]", "[BOS]", "[EOS]"]
    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    vocab_list = special + list(dict.fromkeys(_WORDS)) + chars + ["##" + c for c in chars]
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


def build_tiny_flux_pipeline(seed: int = 0) -> FluxPipeline:
    """Build the ``tiny-random`` FluxPipeline in float32 on the CPU (deterministic for a seed)."""
    clip_tokenizer = _build_tokenizer(bos=True, max_length=_CLIP_MAX_LENGTH)
    t5_tokenizer = _build_tokenizer(bos=False, max_length=_T5_MAX_LENGTH)
    vocab_size = len(clip_tokenizer)

    generator_state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        text_encoder = CLIPTextModel(
            CLIPTextConfig(
                vocab_size=vocab_size,
                hidden_size=_TEXT_WIDTH,
                intermediate_size=64,
                num_hidden_layers=2,
                num_attention_heads=2,
                max_position_embeddings=_CLIP_MAX_LENGTH,
                pad_token_id=clip_tokenizer.pad_token_id,
                bos_token_id=clip_tokenizer.bos_token_id,
                eos_token_id=clip_tokenizer.eos_token_id,
                projection_dim=_TEXT_WIDTH,
            )
        )
        text_encoder_2 = T5EncoderModel(
            T5Config(
                vocab_size=vocab_size,
                d_model=_TEXT_WIDTH,
                d_kv=8,
                d_ff=64,
                num_layers=2,
                num_heads=4,
                relative_attention_num_buckets=8,
                pad_token_id=t5_tokenizer.pad_token_id,
                eos_token_id=t5_tokenizer.eos_token_id,
                decoder_start_token_id=t5_tokenizer.pad_token_id,
            )
        )
        transformer = FluxTransformer2DModel(
            patch_size=1,
            in_channels=64,
            num_layers=TINY_NUM_DOUBLE_BLOCKS,
            num_single_layers=TINY_NUM_SINGLE_BLOCKS,
            attention_head_dim=16,
            num_attention_heads=2,
            joint_attention_dim=_TEXT_WIDTH,
            pooled_projection_dim=_TEXT_WIDTH,
            guidance_embeds=True,
            axes_dims_rope=(4, 6, 6),
        )
        vae = AutoencoderKL(
            in_channels=3,
            out_channels=3,
            down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4,
            block_out_channels=(8, 8, 16, 16),
            layers_per_block=1,
            latent_channels=16,
            norm_num_groups=4,
            sample_size=64,
            scaling_factor=0.3611,
            shift_factor=0.1159,
            use_quant_conv=False,
            use_post_quant_conv=False,
        )
    finally:
        torch.random.set_rng_state(generator_state)

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

"""A tiny random Florence-2 captioner built in code (for tests: no download, runs in a second on a CPU).

It is transformers' own :class:`~transformers.Florence2ForConditionalGeneration` at toy
width (a two-stage DaViT vision tower, a one-layer BART), with a WordPiece tokenizer over
the tiny FLUX model's vocabulary, so it captions with words that model knows. Its
generation config asks for at least three ordinary tokens, so a caption is never empty.
"""

from __future__ import annotations

import string

TINY_CAPTION_MODEL_ID = "tiny-random-florence2"
_IMAGE_SIZE = 64
_SPECIAL = ["<pad>", "<unk>", "<s>", "</s>", "<image>"]


def _tokenizer():
    from core.model.tiny_flux import _WORDS
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    vocab = {token: index for index, token in
             enumerate(_SPECIAL + list(dict.fromkeys(_WORDS)) + chars + ["##" + c for c in chars])}
    backend = Tokenizer(models.WordPiece(vocab=vocab, unk_token="<unk>", max_input_chars_per_word=100))
    backend.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    backend.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", unk_token="<unk>", bos_token="<s>",
                                   eos_token="</s>", extra_special_tokens={"image_token": "<image>"})


def build_tiny_florence2():
    """``(model, processor)``: a random Florence-2 from a fixed seed (every call builds the same one)."""
    import torch
    from transformers import (BartConfig, CLIPImageProcessorPil, Florence2Config, Florence2ForConditionalGeneration,
                              Florence2Processor, Florence2VisionConfig)

    tokenizer = _tokenizer()
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in _SPECIAL}
    text = BartConfig(vocab_size=len(tokenizer), d_model=32, encoder_layers=1, decoder_layers=1,
                      encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
                      max_position_embeddings=256, pad_token_id=ids["<pad>"], bos_token_id=ids["<s>"],
                      eos_token_id=ids["</s>"], decoder_start_token_id=ids["</s>"], forced_eos_token_id=ids["</s>"])
    vision = Florence2VisionConfig(depths=(1, 1), patch_size=(7, 3), patch_stride=(4, 2), patch_padding=(3, 1),
                                   patch_prenorm=(False, True), embed_dim=(16, 32), num_heads=(2, 2),
                                   num_groups=(2, 2), window_size=4, projection_dim=32, max_temporal_embeddings=4,
                                   max_position_embeddings=16, drop_path_rate=0.0)
    config = Florence2Config(text_config=text.to_dict(), vision_config=vision.to_dict(),
                             image_token_id=ids["<image>"])
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(0)
    try:
        model = Florence2ForConditionalGeneration(config).eval()
    finally:
        torch.random.set_rng_state(generator_state)
    model.generation_config.min_new_tokens = 3
    model.generation_config.suppress_tokens = [ids[t] for t in ("<pad>", "<unk>", "<s>", "<image>")]
    image_processor = CLIPImageProcessorPil(size={"height": _IMAGE_SIZE, "width": _IMAGE_SIZE}, do_center_crop=False)
    side = _IMAGE_SIZE // 8  # two stages: stride 4 then 2
    image_processor.image_seq_length = side * side + 1  # spatial tokens plus the temporal token
    return model, Florence2Processor(image_processor=image_processor, tokenizer=tokenizer)

"""The one sampling loop (with hooks) and decoding latents to images."""

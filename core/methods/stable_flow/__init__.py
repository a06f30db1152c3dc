"""Stable Flow: vital-layer injection, latent-nudged inversion, the source K/V store, the method."""

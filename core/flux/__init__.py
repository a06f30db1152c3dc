"""FLUX's latent math: packing, position ids, the shifted schedule, masks on the latent grid."""

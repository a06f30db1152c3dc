"""A loaded FLUX model: loading, devices, memory placement, prompt encoding, tiny models, vital-layer sets."""

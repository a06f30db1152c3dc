"""The demo world: simple flat-shape scenes with captions and ground-truth masks (ALGORITHMS.md section 6)."""

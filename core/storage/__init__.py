"""Files on disk: atomic writes, app folders, untrusted input, PNGs, caches and their keys."""

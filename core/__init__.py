"""Stable Flow Studio engine: model loading, vital-layer injection, inversion and editing.

Nothing in this package imports Qt; the GUI and the CLI both drive it.
"""

"""The headless command-line face of the engine (``python main.py edit ...``)."""

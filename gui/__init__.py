"""The PySide6 desktop editor.

Modules imported before the window shows (app, main_window and the widgets it builds)
never import torch, diffusers or the engine; the engine is imported on the worker thread
(worker.py) and by the UI thread only after the worker reports it ready.
"""

"""Editing methods, one file each, behind one registry (registry.py); Stable Flow has its own room."""

"""Validation rules and defaults, importable without torch: sizes, prompts, method parameters."""

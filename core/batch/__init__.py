"""Batch editing: one edit or a recorded chain of edits applied to many photos.

``recipe`` says what to do to each photo, ``source_prompts`` how each photo is described,
``photos`` which files and under which output names, ``runner`` does the work on one
process, ``report`` keeps ``batch.json``, and ``processes`` splits photos between the
processes that ``accelerate launch`` starts.
"""

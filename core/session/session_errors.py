"""The error a session file (project zip or autosave folder) raises when it cannot be read."""

from __future__ import annotations


class DamagedSessionError(ValueError):
    """A manifest or an entry it names is missing, unreadable, out of range or unsafe.

    ``str(error)`` is one line completing "could not open <file>: ...".
    """

"""Undo and redo of tree operations for headless use (CLI, tests).

The editor pushes the same operation objects into a ``QUndoStack`` instead.
"""

from __future__ import annotations

from typing import Optional, Protocol

from core.session.tree import EditTree


class Operation(Protocol):
    """What :class:`SessionHistory` and a ``QUndoStack`` command wrap."""

    text: str

    def apply(self, tree: EditTree) -> None:
        """Do (or redo) the operation."""

    def revert(self, tree: EditTree) -> None:
        """Undo it."""


class SessionHistory:
    """A linear undo/redo stack; pushing a new operation drops what was undone (never results)."""

    def __init__(self, tree: EditTree) -> None:
        self.tree = tree
        self._done: list[Operation] = []
        self._undone: list[Operation] = []

    def push(self, op: Operation) -> None:
        """Apply ``op`` and record it; if it raises, nothing is recorded."""
        op.apply(self.tree)
        self._done.append(op)
        self._undone.clear()

    def undo(self) -> None:
        """Revert the last operation (nothing happens when there is none)."""
        if self._done:
            op = self._done.pop()
            op.revert(self.tree)
            self._undone.append(op)

    def redo(self) -> None:
        """Apply the last undone operation again (nothing happens when there is none)."""
        if self._undone:
            op = self._undone.pop()
            op.apply(self.tree)
            self._done.append(op)

    def clear(self) -> None:
        """Forget every operation (after opening another image or loading a project)."""
        self._done.clear()
        self._undone.clear()

    @property
    def can_undo(self) -> bool:
        """Whether :meth:`undo` would do something."""
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        """Whether :meth:`redo` would do something."""
        return bool(self._undone)

    @property
    def undo_text(self) -> Optional[str]:
        """The text of the operation :meth:`undo` would revert."""
        return self._done[-1].text if self._done else None

    @property
    def redo_text(self) -> Optional[str]:
        """The text of the operation :meth:`redo` would apply."""
        return self._undone[-1].text if self._undone else None

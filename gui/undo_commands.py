"""The QUndoStack side of the session's reversible tree operations."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand


class OperationCommand(QUndoCommand):
    """Wraps a core.session operation: ``redo`` applies it to the tree, ``undo`` reverts it.

    The controller applies the operation itself before pushing (so a refused operation is
    never recorded); ``applied=True`` makes the push's first ``redo`` a no-op.
    """

    def __init__(self, operation, tree, applied: bool = False) -> None:
        super().__init__(operation.text)
        self.operation = operation
        self._tree = tree
        self._skip_redo = applied

    def redo(self) -> None:
        """Apply the operation (except the first time when it was applied before pushing)."""
        if self._skip_redo:
            self._skip_redo = False
            return
        self.operation.apply(self._tree)
        self.setText(self.operation.text)

    def undo(self) -> None:
        """Revert the operation."""
        self.operation.revert(self._tree)

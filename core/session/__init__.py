"""Edit sessions: the edit tree with undo, incremental edits, project files and autosave."""

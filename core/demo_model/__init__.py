"""The trained demo model: its architecture, its training and where the shipped weights live."""

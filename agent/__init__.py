"""dial: a coding agent that spends a precise thinking budget where the difficulty is."""

__version__ = "0.1.0"

"""Isolated command execution. Knows nothing of the loop, the models or the screen."""

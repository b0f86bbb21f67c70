"""Isolated command execution. Knows nothing of the loop, the models or the screen.

`get_sandbox()` picks the best backend (bwrap > unshare > docker/podman); every backend applies the
same limits through `sandbox.process`. Importing this package runs nothing.
"""

from sandbox.base import CommandResult, Limits, Sandbox
from sandbox.registry import available_backends, get_sandbox

__all__ = ["CommandResult", "Limits", "Sandbox", "available_backends", "get_sandbox"]

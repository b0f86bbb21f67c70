"""Isolated command execution. Knows nothing of the loop, the models or the screen.

`get_sandbox()` picks the best backend (Linux: bwrap > unshare > docker/podman; macOS: seatbelt >
docker/podman); every backend applies the
same limits through `sandbox.process`. Importing this package runs nothing and loads no backend:
the names below are resolved on first use, which keeps every `dial` command's start-up short.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "CommandResult": "sandbox.base",
    "Limits": "sandbox.base",
    "Sandbox": "sandbox.base",
    "available_backends": "sandbox.registry",
    "get_sandbox": "sandbox.registry",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

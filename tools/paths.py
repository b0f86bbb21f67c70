"""Resolve a path the model gave to a file inside the repository, or refuse.

`..`, absolute paths elsewhere and symlinks that lead out of the root are refused: the model
must never read or write outside the work tree.
"""

from __future__ import annotations

import os
from pathlib import Path

from tools.secrets import SecretPolicy


class ToolError(Exception):
    """A mistake the model made; the toolbox turns it into an `is_error` tool result."""


class PathResolver:
    def __init__(self, root: Path, secrets: SecretPolicy) -> None:
        self.root = Path(os.path.realpath(root))
        self.secrets = secrets

    def resolve(self, raw: object, *, must_exist: bool = True, allow_secret: bool = False) -> Path:
        if not isinstance(raw, str) or not raw.strip():
            raise ToolError("`path` is required: give a path relative to the repository root.")
        text = raw.strip()
        candidate = Path(text)
        if candidate.is_absolute():
            real_abs = Path(os.path.realpath(candidate))
            if not _inside(real_abs, self.root):
                # Models often prefix a made-up root ("/repo/x.py"); accept it when the rest exists here.
                stripped = Path(*candidate.parts[2:]) if len(candidate.parts) > 2 else None
                if stripped is not None and (self.root / stripped).exists():
                    candidate = stripped
                else:
                    raise ToolError(
                        f"{text} is outside the repository ({self.root}); use a path relative to the repository root."
                    )
        full = self.root / candidate if not candidate.is_absolute() else candidate
        real = Path(os.path.realpath(full))
        if not _inside(real, self.root):
            raise ToolError(f"{text} resolves outside the repository; only files under the repository root can be used.")
        if must_exist and not real.exists():
            raise ToolError(f"{text} does not exist. Use the editor's `view` on a directory or the search tool to find it.")
        rel = self.rel(real)
        if not allow_secret and rel != "." and self.secrets.is_secret(rel):
            raise ToolError(f"{rel} looks like a credentials file; dial does not show or edit it.")
        if rel.split("/")[0] == ".git":
            raise ToolError(f"{rel} is git's own metadata; it cannot be viewed or edited.")
        return real

    def rel(self, path: Path) -> str:
        rel = os.path.relpath(path, self.root)
        return "." if rel == "." else rel.replace(os.sep, "/")


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents

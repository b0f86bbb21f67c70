"""State the file tools share: the root, path rules, the index, and which files the model changed.

Every write goes through `commit`, which runs the syntax check, rolls a breaking edit back, writes
bytes preserving the file's encoding and line endings, refreshes the index and records the path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from tools.fileio import TextFile
from tools.paths import PathResolver, ToolError
from tools.protocols import IndexLike
from tools.secrets import SecretPolicy
from tools.syntax import syntax_errors


class Workspace:
    def __init__(self, root: Path, *, index: IndexLike | None = None, secret_globs: Sequence[str] = ()) -> None:
        self.secrets = SecretPolicy(secret_globs)
        self.paths = PathResolver(root, self.secrets)
        self.root = self.paths.root
        self.index = index
        self.edited: set[str] = set()
        self.index_warning = ""

    def commit(self, path: Path, before: TextFile | None, after: TextFile, *, check_syntax: bool = True) -> None:
        """Write `after` unless it breaks a file that parsed before; raises ToolError with the offending lines."""
        rel = self.paths.rel(path)
        data = after.to_bytes()
        if check_syntax:
            new_text = after.text
            errors = syntax_errors(rel, new_text)
            if errors:
                old_errors = syntax_errors(rel, before.text) if before is not None else []
                if len(errors) > len(old_errors) or (not old_errors and errors):
                    raise ToolError(_rollback_message(rel, new_text, errors))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.edited.add(rel)
        if self.index is not None:
            try:
                self.index.update_files([rel])
                self.index_warning = ""
            except Exception as exc:  # the edit stands; symbols may be stale, say so once
                self.index_warning = f"(index not refreshed: {type(exc).__name__})"


def _rollback_message(rel: str, text: str, errors: list[tuple[int, str]]) -> str:
    lines = text.split("\n")
    parts = [f"The edit was NOT applied: it would leave {rel} with a syntax error. The file is unchanged."]
    for line, msg in errors[:3]:
        parts.append(f"line {line}: {msg}")
        for n in range(max(1, line - 2), min(len(lines), line + 2) + 1):
            marker = ">" if n == line else " "
            parts.append(f"{marker}{n:6}\t{lines[n - 1]}")
    parts.append("Fix the new text (indentation, brackets, quotes) and try again.")
    return "\n".join(parts)

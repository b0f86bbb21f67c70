"""Source lines of the repo's files, read once per plan (symbol bodies for difficulty, test bodies for operators)."""

from __future__ import annotations

from pathlib import Path


class SourceCache:
    """Reads each file once; symbols' source text for the branch count."""

    def __init__(self, repo: Path | None) -> None:
        self.repo = repo
        self._lines: dict[str, list[str]] = {}

    def span(self, path: str, start: int, end: int) -> str:
        if self.repo is None:
            return ""
        if path not in self._lines:
            try:
                self._lines[path] = (self.repo / path).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                self._lines[path] = []
        return "\n".join(self._lines[path][max(0, start - 1) : end])

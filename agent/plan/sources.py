"""Source lines of the repo's files, read once per plan (symbol bodies for difficulty, test bodies for operators)."""

from __future__ import annotations

from pathlib import Path


class SourceCache:
    """Reads each file once; symbols' source text for the branch count."""

    def __init__(self, repo: Path | None) -> None:
        self.repo = repo
        self._lines: dict[str, list[str]] = {}

    def lines(self, path: str) -> list[str]:
        """The file's lines (empty when there is no repo or the file cannot be read)."""
        if self.repo is None:
            return []
        if path not in self._lines:
            try:
                self._lines[path] = (self.repo / path).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                self._lines[path] = []
        return self._lines[path]

    def span(self, path: str, start: int, end: int) -> str:
        return "\n".join(self.lines(path)[max(0, start - 1) : end])

    def line_count(self, path: str) -> int:
        return len(self.lines(path))

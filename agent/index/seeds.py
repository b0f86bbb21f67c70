"""What a task points at: identifiers and paths in its text, frames of a pasted failure, changed files.

Seeds personalise PageRank. Words that look like code (snake_case, CamelCase, dotted, `backticked`, followed
by `(`) weigh more than plain words; plain words still count because a task may say "slugify" in prose.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

_SOURCE_EXT = r"(?:py|pyi|js|jsx|mjs|cjs|ts|tsx|go|rs|java|c|h|cc|cpp|cxx|hpp|hh|rb|cs|php|kt|scala|swift|lua)"
_PATH = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w.-]+\." + _SOURCE_EXT + r")\b")
_IDENT = re.compile(r"`?([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(`|\(\)?)?")
_PY_FRAME = re.compile(r'File "([^"]+)", line (\d+)(?:, in ([\w<>.]+))?')
_COLON_FRAME = re.compile(r"((?:[\w.-]*/)*[\w.-]+\." + _SOURCE_EXT + r"):(\d+)(?::\d+)?(?::? in ([\w<>.]+))?")
_JS_FRAME = re.compile(r"at (?:([\w$.<>]+) )?\(?((?:[\w.-]*/)*[\w.-]+\.[jt]sx?):(\d+):\d+\)?")

STOPWORDS = frozenset(
    """a an and are as at be but by can could do does doesn don else for from get has have how i if in into is it
    its let me more my no not of on or our should so some than that the their them then there these this those to
    up us use was we were what when where which while who why will with would you your bug fix issue error fails
    failing broken wrong test tests case when after before instead expected actual returns return value values
    called calling call new old add added remove removed make makes made one two all any each also only just
    still does doesnt isnt cant wont""".split()
)


@dataclass
class Seeds:
    """Weighted identifiers and paths, plus (path, line, function) frames, taken from a task."""

    identifiers: dict[str, float] = field(default_factory=dict)
    paths: dict[str, float] = field(default_factory=dict)
    frames: list[tuple[str, int, str]] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.identifiers or self.paths or self.frames)

    def add_identifier(self, name: str, weight: float) -> None:
        self.identifiers[name] = max(self.identifiers.get(name, 0.0), weight)

    def add_path(self, path: str, weight: float) -> None:
        self.paths[path] = max(self.paths.get(path, 0.0), weight)

    @classmethod
    def from_task(cls, text: str = "", failures: str = "", diff_paths: Iterable[str] = ()) -> "Seeds":
        seeds = cls()
        for blob, scale in ((text, 1.0), (failures, 0.6)):
            if not blob:
                continue
            for match in _PATH.finditer(blob):
                seeds.add_path(match.group(1).lstrip("./"), 1.0 * scale)
            stripped = _PATH.sub(" ", blob)
            for match in _IDENT.finditer(stripped):
                word, tail = match.group(1), match.group(2)
                if word.lower() in STOPWORDS or len(word) < 3:
                    continue
                codey = bool(tail) or match.group(0).startswith("`") or "_" in word or "." in word or (
                    word[1:] != word[1:].lower() and word[0] != word[0].upper() or any(c.isupper() for c in word[1:])
                )
                seeds.add_identifier(word, (1.0 if codey else 0.5) * scale)
        if failures:
            for frame in _frames(failures):
                seeds.frames.append(frame)
        for path in diff_paths:
            seeds.add_path(path, 1.0)
        return seeds


def _frames(text: str) -> list[tuple[str, int, str]]:
    out: list[tuple[str, int, str]] = []
    for m in _PY_FRAME.finditer(text):
        out.append((m.group(1), int(m.group(2)), m.group(3) or ""))
    for m in _COLON_FRAME.finditer(text):
        out.append((m.group(1), int(m.group(2)), m.group(3) or ""))
    for m in _JS_FRAME.finditer(text):
        out.append((m.group(2), int(m.group(3)), m.group(1) or ""))
    seen: set[tuple[str, int]] = set()
    unique = []
    for path, line, func in out:
        if (path, line) not in seen:
            seen.add((path, line))
            unique.append((path, line, func))
    return unique


def changed_files(repo: Path) -> list[str]:
    """Files changed in the working tree and index against HEAD (`git diff --name-only HEAD`); [] outside git."""
    try:
        proc = subprocess.run(["git", "-C", str(repo), "diff", "--name-only", "HEAD"],
                              capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line for line in proc.stdout.splitlines() if line] if proc.returncode == 0 else []

"""Unified diffs, parsed: dial's own diff (to turn into suggestions) and the PR files' patches (where
GitHub lets a review comment attach). Pure functions, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass
class Hunk:
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    lines: list[tuple[str, str]] = field(default_factory=list)  # (tag, text) with tag in " ", "-", "+"


@dataclass
class FileDiff:
    old_path: str | None  # None: file added
    new_path: str | None  # None: file deleted
    hunks: list[Hunk] = field(default_factory=list)
    binary: bool = False

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""


def _strip_prefix(name: str) -> str | None:
    name = name.split("\t", 1)[0].strip()
    if name == "/dev/null":
        return None
    if name.startswith('"') and name.endswith('"'):
        name = name[1:-1]
    return name[2:] if name[:2] in ("a/", "b/") else name


def parse_hunks(text: str) -> list[Hunk]:
    """Hunks of one file's patch (GitHub's `patch` field has no file headers)."""
    hunks: list[Hunk] = []
    for line in text.splitlines():
        match = HUNK_RE.match(line)
        if match:
            a, b, c, d = match.groups()
            hunks.append(Hunk(int(a), int(b) if b is not None else 1, int(c), int(d) if d is not None else 1))
        elif hunks and line[:1] in (" ", "-", "+"):
            hunks[-1].lines.append((line[0], line[1:]))
        elif hunks and line == "":
            hunks[-1].lines.append((" ", ""))
    return hunks


def parse_diff(text: str) -> list[FileDiff]:
    """Files of a `git diff` output."""
    files: list[FileDiff] = []
    current: FileDiff | None = None
    body: list[str] = []

    def flush() -> None:
        if current is not None:
            current.hunks = parse_hunks("\n".join(body))
            files.append(current)

    for line in text.splitlines():
        if line.startswith("diff --git "):
            flush()
            parts = line[len("diff --git ") :].split(" b/", 1)
            old = _strip_prefix(parts[0])
            current = FileDiff(old, ("b/" + parts[1]) if len(parts) > 1 else None)
            current.new_path = _strip_prefix(current.new_path) if current.new_path else old
            body = []
        elif current is None:
            continue
        elif line.startswith("--- ") and not body:
            current.old_path = _strip_prefix(line[4:])
        elif line.startswith("+++ ") and not body:
            current.new_path = _strip_prefix(line[4:])
        elif line.startswith("Binary files ") or line.startswith("GIT binary patch"):
            current.binary = True
        elif line.startswith("@@") or body:
            body.append(line)
    flush()
    return files


@dataclass(frozen=True)
class Change:
    """A run of removed/added lines in one file: old lines [start, end] become `new_lines`.

    `end == start - 1` means a pure insertion before old line `start`.
    """

    path: str
    start: int
    end: int
    new_lines: tuple[str, ...]
    old_lines: tuple[str, ...]


def changes(files: list[FileDiff]) -> list[Change]:
    """Every change block of every text file that exists on both sides."""
    out: list[Change] = []
    for f in files:
        if f.binary or f.old_path is None or f.new_path is None or f.old_path != f.new_path:
            continue
        for hunk in f.hunks:
            old_no = hunk.old_start
            removed: list[str] = []
            added: list[str] = []
            block_start = old_no
            for tag, text in hunk.lines + [(" ", "")]:
                if tag == " ":
                    if removed or added:
                        out.append(Change(f.path, block_start, block_start + len(removed) - 1, tuple(added), tuple(removed)))
                        removed, added = [], []
                    old_no += 1
                    block_start = old_no
                elif tag == "-":
                    removed.append(text)
                    old_no += 1
                else:
                    added.append(text)
    return out


def commentable_lines(patch: str) -> list[set[int]]:
    """Per hunk of a PR file's patch, the new-side line numbers a review comment may attach to."""
    spans: list[set[int]] = []
    for hunk in parse_hunks(patch):
        lines: set[int] = set()
        new_no = hunk.new_start
        for tag, _ in hunk.lines:
            if tag in (" ", "+"):
                lines.add(new_no)
                new_no += 1
        spans.append(lines)
    return spans


def changed_new_lines(files: list[FileDiff]) -> dict[str, set[int]]:
    """Lines of the new side touched by a diff (for a pure deletion: the line after it), per path."""
    touched: dict[str, set[int]] = {}
    for f in files:
        if f.new_path is None or f.binary:
            continue
        lines = touched.setdefault(f.new_path, set())
        for hunk in f.hunks:
            new_no = hunk.new_start
            for tag, _ in hunk.lines:
                if tag == "+":
                    lines.add(new_no)
                    new_no += 1
                elif tag == "-":
                    lines.add(max(new_no, 1))
                else:
                    new_no += 1
    return touched

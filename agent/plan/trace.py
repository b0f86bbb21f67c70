"""Reading failing-test output: traceback frames and failing test ids, mapped to repo paths.

Handles CPython tracebacks (`File "x.py", line 3, in f`), pytest's long and short formats (`x.py:3: in f`,
`x.py:3: AssertionError`) and pytest summary lines (`FAILED tests/t.py::test_a - ...`). Frames outside the
repo (site-packages, the standard library) are dropped; the rest come deepest first, because the deepest
in-repo frame is where the bad value was produced or the exception raised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Iterable

_PY_FRAME = re.compile(r'File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>[^\s]+))?')
_PYTEST_FRAME = re.compile(r"^(?P<path>[^\s:]+\.py):(?P<line>\d+):(?: in (?P<func>\S+))?", re.M)
_NODE_ID = re.compile(r"(?P<node>[\w./-]+\.py::[\w\[\]\-.:,=/ ]*?[\w\]])(?=\s|$| -)")
_EXC_LINE = re.compile(r"^(?:E\s+)?(?P<exc>[A-Za-z_][\w.]*(?:Error|Exception|Warning|Failure|Exit))\b:?(?P<msg>.*)$", re.M)


@dataclass(frozen=True)
class Frame:
    """One traceback frame inside the repo; `depth` 0 is the deepest (innermost) frame."""

    path: str
    line: int
    func: str
    depth: int


def _normalise(raw: str, files: set[str], repo_root: str | None) -> str | None:
    """Map a path as printed (absolute, relative, from another checkout) to a path the index knows."""
    path = raw.replace("\\", "/")
    if repo_root:
        root = repo_root.rstrip("/") + "/"
        if path.startswith(root):
            path = path[len(root) :]
    path = path.lstrip("./") if path.startswith("./") else path
    if path in files:
        return path
    parts = PurePosixPath(path).parts
    # A checkout elsewhere (CI path, a tmp dir) or an installed copy (site-packages/django/...): the longest
    # suffix of at least two parts that is a repo file. The standard library's paths match nothing.
    for i in range(1, len(parts) - 1):
        candidate = "/".join(parts[i:])
        if candidate in files:
            return candidate
    return None


def parse_frames(output: str, files: Iterable[str], repo_root: str | None = None) -> list[Frame]:
    """In-repo frames of every traceback in `output`, deepest first, duplicates removed."""
    known = set(files)
    ordered: list[tuple[int, str, int, str]] = []  # (position in text, path, line, func)
    for m in _PY_FRAME.finditer(output):
        ordered.append((m.start(), m.group("path"), int(m.group("line")), m.group("func") or ""))
    for m in _PYTEST_FRAME.finditer(output):
        ordered.append((m.start(), m.group("path"), int(m.group("line")), m.group("func") or ""))
    ordered.sort()
    # Tracebacks print outermost first; several tracebacks may follow each other. Reverse the whole list
    # so the last (deepest) frame of each comes first; dedupe keeps the first, i.e. the deepest mention.
    seen: set[tuple[str, int]] = set()
    frames: list[Frame] = []
    for _, raw, line, func in reversed(ordered):
        path = _normalise(raw, known, repo_root)
        if path is None or (path, line) in seen:
            continue
        seen.add((path, line))
        frames.append(Frame(path=path, line=line, func=func, depth=len(frames)))
    return frames


def parse_failing_tests(output: str) -> list[str]:
    """pytest node ids named in the output (`FAILED a.py::T::t`, `a.py::t FAILED`, `ERROR a.py::t`)."""
    found: list[str] = []
    for m in _NODE_ID.finditer(output):
        node = m.group("node").strip()
        if node not in found:
            found.append(node)
    return found


def exception_text(output: str) -> str:
    """The exception names and messages, e.g. "TypeError: unsupported operand", joined, for lexical search."""
    lines = [f"{m.group('exc')} {m.group('msg').strip()}" for m in _EXC_LINE.finditer(output)]
    return "\n".join(dict.fromkeys(lines))


def split_node_id(node: str) -> tuple[str, list[str]]:
    """'tests/t.py::TestA::test_b[1]' -> ('tests/t.py', ['TestA', 'test_b'])."""
    path, _, rest = node.partition("::")
    names = [re.sub(r"\[.*$", "", n) for n in rest.split("::") if n]
    return path, names

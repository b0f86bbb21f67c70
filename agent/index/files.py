"""Which files of a repo to index: git-tracked plus untracked-not-ignored (or a plain walk outside git).

Skips that need only the path or a stat (vendored directories, excluded globs, unsupported language, size)
are decided here; skips that need the content (binary, minified, generated) are decided by the parser.
"""

from __future__ import annotations

import fnmatch
import os
import stat
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from agent.index.languages import language_for

VENDORED = {"node_modules", "vendor", "vendored", "third_party", "thirdparty", "bower_components", ".venv", "venv",
            "site-packages", "__pycache__", ".git", ".dial", ".tox", ".mypy_cache", "dist-packages", "Pods"}


@dataclass
class Candidate:
    path: str
    language: str
    mtime_ns: int
    size: int


@dataclass
class Discovery:
    candidates: list[Candidate] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def _git_files(root: Path, meanwhile: Callable[[], None] | None = None) -> list[str] | None:
    """Tracked plus untracked-not-ignored files; `meanwhile` runs while git lists them (it takes ~40 ms)."""
    proc: subprocess.Popen[bytes] | None = None
    if (root / ".git").exists():
        try:
            proc = subprocess.Popen(
                ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            )
        except OSError:
            proc = None
    if meanwhile:
        meanwhile()
    if proc is None:
        return None
    try:
        out, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None
    if proc.returncode != 0:
        return None
    names = out.decode("utf-8", "surrogateescape").split("\0")
    return sorted({n for n in names if n})


def _walk_files(root: Path) -> list[str]:
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in VENDORED]
        rel = os.path.relpath(dirpath, root)
        for name in filenames:
            out.append(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"))
    return sorted(out)


def discover(root: Path, exclude: list[str], max_bytes: int, meanwhile: Callable[[], None] | None = None) -> Discovery:
    """List indexable files with their stat, counting every skip by reason (`meanwhile`: see `_git_files`)."""
    found = Discovery()
    names = _git_files(root, meanwhile)
    if names is None:
        names = _walk_files(root)
    root_str = str(root)
    for rel in names:
        language = language_for(rel)
        if language is None:
            continue  # not source we understand: not counted as a skip, like docs and images
        parts = rel.split("/")
        if any(p in VENDORED for p in parts[:-1]):
            found.skip("vendored")
            continue
        if exclude and any(fnmatch.fnmatch(rel, g) for g in exclude):
            found.skip("excluded")
            continue
        try:
            st = os.stat(f"{root_str}/{rel}")
        except OSError:
            continue  # deleted but still in the git index
        if not stat.S_ISREG(st.st_mode):
            continue
        if st.st_size > max_bytes:
            found.skip("huge")
            continue
        found.candidates.append(Candidate(rel, language, st.st_mtime_ns, st.st_size))
    return found

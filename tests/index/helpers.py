"""Shared helpers: fixture projects copied into real git repos under tmp_path."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def make_repo(dest: Path, fixture: str | None = None, files: dict[str, str] | None = None, commit: bool = True) -> Path:
    """A real git repo holding a fixture project and/or the given files."""
    dest.mkdir(parents=True, exist_ok=True)
    if fixture:
        shutil.copytree(FIXTURES / fixture, dest, dirs_exist_ok=True)
    for rel, text in (files or {}).items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(dest, "init", "-q")
    if commit:
        git(dest, "add", "-A")
        git(dest, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "init")
    return dest


def dump(idx) -> dict[str, list]:  # noqa: ANN001 - RepoIndex
    """A comparable picture of an index that ignores symbol ids (they differ between builds)."""
    syms = {s.id: s for s in idx.all_symbols()}
    key = {i: f"{s.path}:{s.qualname}:{s.kind}" for i, s in syms.items()}
    symbols = sorted((s.path, s.qualname, s.kind, s.start_line, s.end_line, s.signature, s.doc) for s in syms.values())
    refs = sorted(
        (r.path, r.name, r.line, r.kind, key.get(r.enclosing_id, "?"))
        for p in idx.files() for r in _refs_of(idx, p)
    )
    edges = sorted(
        (key[s], key[d], round(w, 6))
        for s, d, w in idx.con.execute("SELECT src, dst, SUM(weight) FROM edges GROUP BY src, dst")
    )
    return {"symbols": symbols, "refs": refs, "edges": edges, "files": idx.files()}


def _refs_of(idx, path: str):  # noqa: ANN001
    from agent.index.types import Reference

    rows = idx.con.execute(
        "SELECT r.name, f.path, r.line, r.kind, r.enclosing_id FROM refs r JOIN files f ON f.id = r.file_id WHERE f.path = ?",
        (path,),
    )
    return [Reference(*r) for r in rows]


"""Real git repos for the worktree tests (a helper module with a name no other test folder uses)."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

ENV = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
       "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}


def git(repo: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", "-c", "protocol.file.allow=always", *args], cwd=repo, env=ENV,
                          capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(done.stderr)
    return done.stdout.strip()


def make_repo(path: Path, files: dict[str, str] | None = None) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    for name, text in (files or {"a.py": "a = 1\n", "b.py": "b = 1\n", ".gitignore": "*.log\n"}).items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "init")
    return path


# what dial is allowed to add inside .git: objects, its worktrees' metadata, its branches, the exclude line
DIAL_OWNED = (".dial/", ".git/objects/", ".git/worktrees/", ".git/refs/heads/dial/", ".git/logs/refs/heads/dial/",
              ".git/info/exclude")


def fingerprint(repo: Path) -> dict[str, str]:
    """Every byte of the checkout and of .git that a user would notice (dial's own additions aside)."""
    out = {}
    for p in sorted(repo.rglob("*")):
        rel = p.relative_to(repo).as_posix()
        if p.is_file() and not rel.startswith(DIAL_OWNED):
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    out["status"] = git(repo, "status", "--porcelain=v1", "--untracked-files=all")
    out["stash"] = git(repo, "stash", "list")
    out["head"] = git(repo, "rev-parse", "HEAD", check=False)
    return out

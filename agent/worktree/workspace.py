"""dial's own git worktree and branch for one run.

Layout inside the user's directory (excluded from git through .git/info/exclude):
  .dial/worktrees/<run-id>/   the worktree, branch dial/<run-id>, starting at the snapshot commit
  .dial/runs/<run-id>/        the run's records; workspace.json says where everything is
  .dial/shadow/               only for a plain directory: the git repo whose work tree is that directory
Each applied edit is a commit on dial's branch (`commit`), so undo is `reset_to` a previous one.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from agent.errors import DialError
from agent.worktree.git import Git, copy_index
from agent.worktree.snapshot import RepoInfo, exclude_dial_dir, locate, refuse_in_progress, snapshot

RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")
AUTO_CLEAN_DAYS = 14.0


def new_run_id() -> str:
    """Sortable by creation time: UTC timestamp then a short random suffix."""
    now = time.time()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now)) + f"-{int(now * 1000) % 1000:03d}"
    return stamp + "-" + secrets.token_hex(3)


def check_run_id(run_id: str) -> str:
    if not RUN_ID.match(run_id or "") or ".." in run_id:
        raise DialError(f"'{run_id}' is not a valid run id", "use an id shown by `dial clean --list` or a run report")
    return run_id


@dataclass
class Workspace:
    info: RepoInfo
    run_id: str
    path: Path
    branch: str
    base_commit: str
    run_dir: Path

    # ---- creation -------------------------------------------------------------------------------
    @classmethod
    def create(cls, repo: Path, run_id: str | None = None) -> "Workspace":
        info = locate(repo)
        refuse_in_progress(info)
        exclude_dial_dir(info)
        run_id = check_run_id(run_id) if run_id else new_run_id()
        if (info.dial_dir / "worktrees" / run_id).exists():
            raise DialError(f"run {run_id} already exists", "pick another run id or `dial clean` the old run")
        _auto_clean(info.root)
        base = snapshot(info)
        path = info.dial_dir / "worktrees" / run_id
        path.parent.mkdir(parents=True, exist_ok=True)
        branch = f"dial/{run_id}"
        info.git.run("worktree", "add", "-q", "-b", branch, str(path), base)
        run_dir = info.dial_dir / "runs" / run_id
        run_dir.mkdir(parents=True, exist_ok=True)
        ws = cls(info, run_id, path, branch, base, run_dir)
        ws._write_meta(status="active", created=time.time(), pid=os.getpid())
        return ws

    @classmethod
    def open(cls, repo: Path, run_id: str) -> "Workspace":
        info = locate(repo)
        check_run_id(run_id)
        meta_path = info.dial_dir / "runs" / run_id / "workspace.json"
        if not meta_path.is_file():
            known = [r["run_id"] for r in _read_all(info.root)]
            raise DialError(
                f"no dial run '{run_id}' in {info.root}",
                f"use one of: {', '.join(known[-5:])}" if known else "start one with `dial run`",
            )
        meta = json.loads(meta_path.read_text())
        path = Path(meta["path"])
        if not path.is_dir():
            raise DialError(f"the worktree of run {run_id} was removed ({path})",
                            f"its last diff, if any, is in {meta_path.parent / 'changes.diff'}")
        return cls(info, run_id, path, meta["branch"], meta["base_commit"], meta_path.parent)

    # ---- state ----------------------------------------------------------------------------------
    @property
    def git(self) -> Git:
        return Git(self.path)

    def meta(self) -> dict:
        path = self.run_dir / "workspace.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def _write_meta(self, **changes: object) -> None:
        meta = self.meta()
        meta.update(
            run_id=self.run_id, path=str(self.path), branch=self.branch, base_commit=self.base_commit,
            repo=str(self.info.root), shadow=self.info.shadow, **changes,
        )
        tmp = self.run_dir / "workspace.json.tmp"
        tmp.write_text(json.dumps(meta, indent=2))
        tmp.replace(self.run_dir / "workspace.json")

    def finish(self, status: str = "finished") -> None:
        """Marks the run finished so `clean_runs` may prune it (runs whose process died count too)."""
        self._write_meta(status=status, finished=time.time())

    # ---- edits ----------------------------------------------------------------------------------
    def commit(self, message: str) -> str | None:
        """Commits every change in the worktree; None when nothing changed."""
        self.git.run("add", "-A", "--", ".")
        if self.git.run("diff", "--cached", "--quiet", check=False).returncode == 0:
            return None
        self.git.run("commit", "-q", "--no-verify", "-m", message or "dial edit", identity=True)
        return self.git.out("rev-parse", "HEAD")

    def _with_all_changes(self, *args: str) -> str:
        """Runs `git diff --cached <args>` against an index holding the worktree exactly as it is."""
        with tempfile.TemporaryDirectory(prefix="dial-index-") as tmp:
            index = Path(tmp) / "index"
            real = Path(self.git.out("rev-parse", "--git-path", "index"))
            real = real if real.is_absolute() else self.path / real
            if real.exists():
                copy_index(real, index)
            self.git.run("add", "-A", "--", ".", index=index)
            return self.git.run("diff", "--cached", "--no-color", "--no-ext-diff", *args, index=index).stdout.decode(
                errors="replace"
            )

    def diff(self) -> str:
        """Unified diff from the snapshot to the worktree now (committed and uncommitted edits)."""
        return self._with_all_changes(self.base_commit, "--")

    def binary_diff(self) -> str:
        """The same diff in a form `git apply` can replay byte for byte (binary files included)."""
        return self._with_all_changes("--binary", "--full-index", "--no-renames", self.base_commit, "--")

    def changed_files(self) -> list[str]:
        out = self._with_all_changes("--name-only", "--no-renames", "-z", self.base_commit, "--")
        return sorted(name for name in out.split("\0") if name)

    def reset_to(self, commit: str) -> None:
        """Undo: the branch and the files go back to `commit` (which must be on this run's history)."""
        target = self.git.run("rev-parse", "--verify", "-q", f"{commit}^{{commit}}", check=False)
        if target.returncode != 0:
            raise DialError(f"{commit} is not a commit of run {self.run_id}", "pass a commit returned by commit()")
        sha = target.stdout.decode().strip()
        if not self.git.ok("merge-base", "--is-ancestor", self.base_commit, sha):
            raise DialError(f"{commit} is older than run {self.run_id}'s snapshot", "reset to the snapshot or later")
        self.git.run("reset", "-q", "--hard", sha)
        self.git.run("clean", "-q", "-fd")


def _read_all(root: Path) -> list[dict]:
    runs = []
    base = root / ".dial" / "runs"
    for meta_path in sorted(base.glob("*/workspace.json")) if base.is_dir() else []:
        try:
            runs.append(json.loads(meta_path.read_text()))
        except (OSError, ValueError):
            continue
    return runs


def _auto_clean(root: Path) -> None:
    from agent.worktree.runs import clean_runs

    try:
        clean_runs(root, older_than_days=AUTO_CLEAN_DAYS)
    except DialError:
        pass  # pruning is housekeeping; it must never stop a new run

"""Applying a run to the user's checkout, listing runs, and pruning finished ones.

Apply is the only moment dial writes to the user's files. It first checks that every file the run
changes still holds what the snapshot saw; if the user edited one since, it refuses and names them,
because replaying the diff would overwrite their work.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from agent.errors import DialError
from agent.worktree.git import Git
from agent.worktree.snapshot import RepoInfo, locate, refuse_in_progress
from agent.worktree.workspace import Workspace, _read_all

FINISHED = ("finished", "applied", "failed", "cancelled")


def _existing(repo: Path) -> RepoInfo | None:
    """The repo's info without creating a shadow repo for a plain directory that never had a run."""
    repo = Path(repo).expanduser().resolve()
    if Git(repo).run("rev-parse", "--show-toplevel", check=False).returncode == 0:
        return locate(repo)
    if (repo / ".dial" / "shadow" / ".git").is_dir():
        return locate(repo)
    if not repo.is_dir():
        raise DialError(f"{repo} is not a directory", "pass --repo with the path of your project")
    return None


def _pid_alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _status(meta: dict) -> str:
    status = str(meta.get("status", "active"))
    if status == "active" and not _pid_alive(meta.get("pid")):
        return "abandoned"  # the process that ran it is gone
    return status


def list_runs(repo: Path) -> list[dict]:
    """Every run recorded under .dial/runs, oldest first, with its status and whether its worktree exists."""
    info = _existing(repo)
    if info is None:
        return []
    out = []
    for meta in _read_all(info.root):
        row = dict(meta)
        row["status"] = _status(meta)
        row["worktree_exists"] = Path(meta.get("path", "")).is_dir()
        out.append(row)
    return sorted(out, key=lambda r: r.get("run_id", ""))


def _conflicts(info: RepoInfo, base: str, files: list[str]) -> list[str]:
    """Files whose current content in the user's directory differs from the snapshot."""
    bad = []
    for name in files:
        target = info.root / name
        blob = info.git.run("rev-parse", "-q", "--verify", f"{base}:{name}", check=False)
        if blob.returncode != 0:
            if target.exists() or target.is_symlink():
                bad.append(name)
            continue
        if not (target.exists() or target.is_symlink()):
            bad.append(name)
            continue
        now = info.git.out("hash-object", "--path", name, "--", str(target)) if target.is_file() else ""
        if now != blob.stdout.decode().strip():
            bad.append(name)
    return bad


def apply_run(repo: Path, run_id: str) -> list[str]:
    """Replays the run's diff onto the user's checkout; refuses when it would overwrite their changes."""
    ws = Workspace.open(repo, run_id)
    refuse_in_progress(ws.info)
    files = ws.changed_files()
    if not files:
        return []
    patch = ws.run_dir / "changes.diff"
    patch.write_text(ws.binary_diff())
    bad = _conflicts(ws.info, ws.base_commit, files)
    if bad:
        shown = ", ".join(bad[:10]) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
        raise DialError(
            f"run {run_id} changes files you edited after it started: {shown}",
            f"commit or move your edits to those files aside and run `dial apply {run_id}` again, "
            f"or apply {patch} by hand",
        )
    done = ws.info.git.run("apply", "--whitespace=nowarn", str(patch), check=False)
    if done.returncode != 0:
        raise DialError(
            f"run {run_id} does not apply cleanly: {done.stderr.decode(errors='replace').strip()}",
            f"apply {patch} by hand (git apply --3way {patch})",
        )
    ws._write_meta(status="applied", applied=time.time())
    return files


def clean_runs(repo: Path, older_than_days: float | None = None) -> list[str]:
    """Removes the worktrees and branches of finished (or abandoned) runs; all of them when no age is given.

    A run still being worked on by a live process is never removed. The run's record and its last
    diff (`.dial/runs/<id>/changes.diff`) are kept so a pruned result can still be applied by hand.
    """
    info = _existing(repo)
    if info is None:
        return []
    cutoff = None if older_than_days is None else time.time() - older_than_days * 86400
    removed = []
    for meta in _read_all(info.root):
        status = _status(meta)
        if status == "cleaned" or status == "active":
            continue
        if cutoff is not None and float(meta.get("created", 0)) > cutoff:
            continue
        _remove(info, meta)
        removed.append(meta["run_id"])
    return removed


def _remove(info: RepoInfo, meta: dict) -> None:
    path = Path(meta["path"])
    run_dir = info.dial_dir / "runs" / meta["run_id"]
    if path.is_dir():
        try:
            ws = Workspace(info, meta["run_id"], path, meta["branch"], meta["base_commit"], run_dir)
            (run_dir / "changes.diff").write_text(ws.binary_diff())
        except DialError:
            pass
        if info.git.run("worktree", "remove", "--force", "--force", str(path), check=False).returncode != 0:
            shutil.rmtree(path, ignore_errors=True)
    info.git.run("worktree", "prune", check=False)
    info.git.run("branch", "-D", meta["branch"], check=False)
    meta = dict(meta, status="cleaned", cleaned=time.time())
    (run_dir / "workspace.json").write_text(json.dumps(meta, indent=2))

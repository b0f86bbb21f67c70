"""A thin runner for the git binary: every failure becomes a DialError naming the command.

dial never runs porcelain that touches the user's index or stash (no `git stash`, no `git add`
without a private GIT_INDEX_FILE in the user's checkout); callers pass `index=` for that.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Mapping

from agent.errors import DialError

IDENTITY = {
    "GIT_AUTHOR_NAME": "dial",
    "GIT_AUTHOR_EMAIL": "dial@localhost",
    "GIT_COMMITTER_NAME": "dial",
    "GIT_COMMITTER_EMAIL": "dial@localhost",
}


class Git:
    """git for one working directory, optionally with an explicit git dir (the shadow repo case)."""

    def __init__(self, work_tree: Path, git_dir: Path | None = None) -> None:
        if shutil.which("git") is None:
            raise DialError("git is not installed", "install git (apt-get install git) and run dial again")
        self.work_tree = Path(work_tree)
        self.git_dir = git_dir

    def base_args(self) -> list[str]:
        args = ["git", "-c", "core.hooksPath=/dev/null", "-c", "advice.detachedHead=false"]
        if self.git_dir is not None:
            args += ["--git-dir", str(self.git_dir), "--work-tree", str(self.work_tree)]
        return args

    def run(
        self,
        *args: str,
        index: Path | None = None,
        env: Mapping[str, str] | None = None,
        input: bytes | None = None,
        check: bool = True,
        identity: bool = False,
    ) -> subprocess.CompletedProcess[bytes]:
        full_env = dict(os.environ)
        full_env.pop("GIT_INDEX_FILE", None)
        full_env.pop("GIT_DIR", None)
        full_env.pop("GIT_WORK_TREE", None)
        full_env["GIT_TERMINAL_PROMPT"] = "0"
        if identity:
            for key, value in IDENTITY.items():
                full_env.setdefault(key, value)
        if index is not None:
            full_env["GIT_INDEX_FILE"] = str(index)
        full_env.update(env or {})
        done = subprocess.run(
            [*self.base_args(), *args],
            cwd=self.work_tree,
            env=full_env,
            input=input,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        if check and done.returncode != 0:
            err = done.stderr.decode(errors="replace").strip()
            raise DialError(
                f"git {' '.join(args[:3])} failed in {self.work_tree}: {err or 'exit ' + str(done.returncode)}",
                "check the repository with `git status`; if it is damaged, repair it and run dial again",
            )
        return done

    def out(self, *args: str, **kwargs: object) -> str:
        return self.run(*args, **kwargs).stdout.decode(errors="replace").strip()  # type: ignore[arg-type]

    def ok(self, *args: str) -> bool:
        return self.run(*args, check=False).returncode == 0


def copy_index(real: Path, dest: Path) -> None:
    """Copy an index file to a private one, keeping its stat data and the file's own mtime.

    Git checks by content an entry that is not older than the index file (the racy-clean rule; a git built
    without nanosecond stat compares whole seconds). A copy with a fresh mtime would make a same-size change
    written in the same second as the index look clean by stat, and `git add -A` would drop it.
    """
    shutil.copy2(real, dest)

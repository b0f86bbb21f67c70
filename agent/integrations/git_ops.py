"""The git steps of the Action (fetch the PR head, commit, push), run outside any sandbox.

The token is handed to git only for the one command that needs it, as an `http.extraheader` given through
git's GIT_CONFIG_COUNT/KEY/VALUE environment (the `git -c` of the environment: never written to
`.git/config`, where the repo's tests could read it, and not visible in the process list either).
"""

from __future__ import annotations

import base64
import os
import subprocess
from pathlib import Path

from agent.errors import DialError

BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"


class GitError(DialError):
    """A git command that failed; `output` holds what git said (never the token)."""

    def __init__(self, args: list[str], output: str) -> None:
        super().__init__(f"git {' '.join(args[:3])} failed: {output.strip()[-500:]}", "see the workflow log")
        self.output = output


class Git:
    """git in one checkout, optionally authenticated for fetch/push."""

    def __init__(self, repo: Path, token: str = "") -> None:
        self.repo = repo
        self._token = token

    def _env(self, auth: bool) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_CONFIG_")}
        env["GIT_TERMINAL_PROMPT"] = "0"
        env.pop("GITHUB_TOKEN", None)
        env.setdefault("GIT_AUTHOR_NAME", BOT_NAME)
        env.setdefault("GIT_AUTHOR_EMAIL", BOT_EMAIL)
        env.setdefault("GIT_COMMITTER_NAME", BOT_NAME)
        env.setdefault("GIT_COMMITTER_EMAIL", BOT_EMAIL)
        if auth and self._token and not self.persisted_credentials():
            basic = base64.b64encode(f"x-access-token:{self._token}".encode()).decode()
            env.update(GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="http.extraheader",
                       GIT_CONFIG_VALUE_0=f"AUTHORIZATION: basic {basic}")
        return env

    def run(self, *args: str, auth: bool = False, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            ["git", *args], cwd=self.repo, env=self._env(auth), capture_output=True, text=True, timeout=600
        )
        if check and proc.returncode != 0:
            output = (proc.stdout + proc.stderr).replace(self._token, "***") if self._token else proc.stdout + proc.stderr
            raise GitError(list(args), output)
        return proc

    def persisted_credentials(self) -> bool:
        """True when the checkout left an auth header in .git/config (tests could read the token there)."""
        proc = subprocess.run(
            ["git", "config", "--local", "--get-regexp", r"^http\..*extraheader$"],
            cwd=self.repo, capture_output=True, text=True,
        )
        return proc.returncode == 0 and bool(proc.stdout.strip())

    def head(self) -> str:
        return self.run("rev-parse", "HEAD").stdout.strip()

    def dirty(self) -> bool:
        return bool(self.run("status", "--porcelain", "--", ".", ":(exclude).dial").stdout.strip())

    def checkout_pr_head(self, number: int, sha: str) -> None:
        """Make the workspace the PR's head commit (checkout actions default to the merge commit or main)."""
        if self.head() == sha:
            return
        if self.dirty():
            raise DialError(
                f"the workspace is not at the PR head {sha[:12]} and has local changes",
                "check out the PR head in the workflow (see the example workflows)",
            )
        self.run("fetch", "--no-tags", "origin", f"+refs/pull/{number}/head", auth=True)
        self.run("checkout", "--detach", "--quiet", sha)

    def commit_all(self, message: str) -> str | None:
        """Commit every change except dial's own folder; None when there is nothing to commit."""
        self.run("add", "-A")
        self.run("rm", "-r", "-q", "--cached", "--ignore-unmatch", "--", ".dial")  # dial's own files stay out
        if self.run("diff", "--cached", "--quiet", check=False).returncode == 0:
            return None
        self.run("commit", "--quiet", "-m", message)
        return self.head()

    def apply(self, diff: str) -> None:
        """Apply a diff to the working tree (when the run returned one without applying it)."""
        proc = subprocess.run(["git", "apply", "--whitespace=nowarn", "-"], cwd=self.repo, input=diff,
                              capture_output=True, text=True, env=self._env(False))
        if proc.returncode != 0:
            raise GitError(["apply"], proc.stderr)

    def show(self, rev: str, path: str) -> list[str]:
        """A file's lines at a commit ([] when it is not there)."""
        proc = self.run("show", f"{rev}:{path}", check=False)
        return proc.stdout.splitlines() if proc.returncode == 0 else []

    def push(self, ref: str) -> None:
        self.run("push", "--quiet", "origin", f"HEAD:refs/heads/{ref}", auth=True)

    def new_branch(self, name: str) -> None:
        self.run("checkout", "--quiet", "-B", name)

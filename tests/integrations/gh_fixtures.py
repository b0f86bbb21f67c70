"""Building blocks of the GitHub Action tests: a real workspace with a bare origin, PR refs, run results."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from agent.integrations.runner import RunRequest

FILLER = "".join(f"\n\ndef helper_{i}(x):\n    return x + {i}\n" for i in range(12))
CALC_MAIN = f'def add(a, b):\n    return a + b\n{FILLER}\n\ndef mul(a, b):\n    return a * b\n'
CALC_PR = f'def add(a, b):\n    return a + b\n{FILLER}\n\ndef mul(a, b):\n    return a + b\n\n\ndef square(a):\n    return mul(a, a)\n'
TESTS = "from calc import add, mul, square\n\n\ndef test_add():\n    assert add(2, 3) == 5\n\n\ndef test_mul():\n    assert mul(3, 4) == 12\n\n\ndef test_square():\n    assert square(3) == 9\n"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}


def git(cwd: Path, *args: str) -> str:
    import os

    env = {**os.environ, **GIT_ENV}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


@dataclass
class Workspace:
    """origin (bare), the Actions checkout of main, and the PR head commit under refs/pull/7/head."""

    root: Path
    origin: Path
    checkout: Path
    main_sha: str
    head_sha: str
    pr_patch: str  # GitHub's `patch` field of calc.py in the PR

    def origin_log(self, ref: str) -> str:
        return git(self.origin, "log", "--format=%H %s", ref)

    def origin_file(self, ref: str, path: str) -> str:
        return git(self.origin, "show", f"{ref}:{path}")


def make_workspace(tmp: Path) -> Workspace:
    origin, seed, checkout = tmp / "origin.git", tmp / "seed", tmp / "checkout"
    git(tmp, "init", "-q", "--bare", "-b", "main", str(origin))
    git(tmp, "init", "-q", "-b", "main", str(seed))
    (seed / "calc.py").write_text(CALC_MAIN)
    (seed / "test_calc.py").write_text(TESTS.replace(", square", "").split("\n\n\ndef test_square")[0] + "\n")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "main")
    main_sha = git(seed, "rev-parse", "HEAD").strip()
    git(seed, "checkout", "-q", "-b", "feature")
    (seed / "calc.py").write_text(CALC_PR)
    (seed / "test_calc.py").write_text(TESTS)
    git(seed, "commit", "-q", "-am", "add square")
    head_sha = git(seed, "rev-parse", "HEAD").strip()
    git(seed, "remote", "add", "origin", str(origin))
    git(seed, "push", "-q", "origin", "main", "feature", f"{head_sha}:refs/pull/7/head")
    full = git(seed, "diff", "main", "feature", "--", "calc.py")
    patch = full[full.index("@@"):]
    git(tmp, "clone", "-q", str(origin), str(checkout))
    return Workspace(tmp, origin, checkout, main_sha, head_sha, patch)


def diff_of(ws: Workspace, rev: str, edits: dict[str, str]) -> str:
    """A real `git diff` of `edits` applied on top of `rev` (what dial would return)."""
    scratch = ws.root / f"scratch-{rev[:7]}-{len(list(ws.root.iterdir()))}"
    git(ws.root, "clone", "-q", str(ws.origin), str(scratch))
    git(scratch, "checkout", "-q", rev)
    for path, text in edits.items():
        (scratch / path).write_text(text)
    return git(scratch, "diff")


def run_result(diff: str, status: str = "passed", failed: list[str] | None = None) -> dict:
    """A run result in the loop's `--json` shape."""
    return {
        "status": status, "run_id": "r-20261207-001", "branch": "dial/r-20261207-001", "diff": diff,
        "edits": [{"path": "calc.py", "symbol": "mul", "difficulty": "easy", "planned_thinking": 4000,
                   "attempts": 1, "spent": {"thinking_tokens": 2731}}],
        "planned": {"thinking": 16000},
        "spent": {"input_tokens": 12500, "output_tokens": 900, "cache_read_tokens": 8000, "cache_write_tokens": 4000,
                  "thinking_tokens": 2731, "thinking_estimated": False},
        "cost_usd": 0.0612, "iterations": 1,
        "tests": {"command": "pytest -q", "passed": status == "passed", "failed": failed or [], "selected": 3,
                  "full_suite_run": True},
        "remaining": "" if status == "passed" else "test_mul still fails: mul adds instead of multiplying",
        "tried": [] if status == "passed" else ["changed square() to use a * a"], "applied": False,
    }


@dataclass
class ScriptedRunner:
    """Stands in for the dial child: returns a prepared result and, with apply, applies its diff for real."""

    result: dict
    requests: list[RunRequest] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)

    def __call__(self, request: RunRequest) -> dict:
        self.requests.append(request)
        self.heads.append(git(request.repo, "rev-parse", "HEAD").strip())
        result = json.loads(json.dumps(self.result))
        if request.apply and result["diff"]:
            subprocess.run(["git", "apply", "-"], cwd=request.repo, input=result["diff"], text=True, check=True)
            result["applied"] = True
        return result


def pull_payload(ws: Workspace, repo: str, head_repo: str, number: int = 7) -> dict:
    return {
        "number": number, "state": "open", "title": "Add square",
        "head": {"sha": ws.head_sha, "ref": "feature", "repo": {"full_name": head_repo}},
        "base": {"sha": ws.main_sha, "ref": "main", "repo": {"full_name": repo}},
    }

"""Runs `dial run`/`dial fix --json` as a child process and reads its result.

A child process, not an import: the integration only needs the loop's JSON contract, a crash in the loop
becomes a readable `error` result in the PR comment, and the child's environment is built here without the
GitHub token (the loop's sandbox clears the environment again for the test run).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

# variables the dial child never needs: CI tokens that would let code push, upload or mint OIDC tokens
SECRET_ENV = ("GITHUB_TOKEN", "GH_TOKEN", "ACTIONS_RUNTIME_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
              "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_CACHE_URL", "ACTIONS_RESULTS_URL")
MODEL_KEYS = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "DIAL_API_KEY")


@dataclass(frozen=True)
class RunRequest:
    repo: Path
    task: str | None  # None: `dial fix` (make the failing tests pass)
    model: str = ""
    budget: int | None = None
    max_cost: float | None = None
    test_cmd: str = ""
    apply: bool = False


Runner = Callable[[RunRequest], dict]


def child_env(env: Mapping[str, str], keep_model_keys: bool = True) -> dict[str, str]:
    """`env` without CI tokens (and without model keys unless asked for)."""
    drop = set(SECRET_ENV) | (set() if keep_model_keys else set(MODEL_KEYS))
    return {k: v for k, v in env.items() if k not in drop and not k.startswith("INPUT_")}


def build_argv(request: RunRequest, prefix: list[str]) -> list[str]:
    argv = [*prefix]
    # the task goes in on stdin (`run -`): text from a PR comment must never be read as an option
    argv += ["fix"] if request.task is None else ["run", "-"]
    argv += ["--repo", str(request.repo), "--json"]
    if request.model:
        argv += ["--model", request.model]
    if request.budget is not None:
        argv += ["--budget", str(request.budget)]
    if request.max_cost is not None:
        argv += ["--max-cost", f"{request.max_cost:g}"]
    if request.test_cmd:
        argv += ["--test-cmd", request.test_cmd]
    if request.apply:
        argv.append("--apply")
    return argv


def parse_result(stdout: str) -> dict | None:
    """The run result: the whole stdout as JSON, else its last JSON-object line."""
    text = stdout.strip()
    candidates = [text] + [line for line in reversed(text.splitlines()) if line.lstrip().startswith("{")]
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict) and "status" in data:
            return data
    return None


class SubprocessRunner:
    """Calls dial's own CLI with this interpreter (`python -m agent.cli.main`)."""

    def __init__(self, env: Mapping[str, str], prefix: list[str] | None = None, timeout_s: float = 3 * 3600) -> None:
        self._env = child_env(env)
        self._prefix = prefix or [sys.executable, "-m", "agent.cli.main"]
        self._timeout_s = timeout_s

    def __call__(self, request: RunRequest) -> dict:
        argv = build_argv(request, self._prefix)
        try:
            proc = subprocess.run(argv, cwd=request.repo, env=self._env, capture_output=True, text=True,
                                  input=request.task or "", timeout=self._timeout_s)
        except subprocess.TimeoutExpired:
            return error_result(f"dial did not finish within {self._timeout_s:.0f} s")
        result = parse_result(proc.stdout)
        if result is None:
            tail = (proc.stderr or proc.stdout).strip()[-1500:]
            return error_result(f"dial exited with code {proc.returncode} without a result: {tail}")
        return result


def error_result(message: str) -> dict:
    """A result in the loop's shape for a run that never produced one."""
    return {"status": "error", "run_id": "", "branch": "", "diff": "", "edits": [], "planned": {}, "spent": {},
            "cost_usd": 0.0, "iterations": 0, "tests": {}, "remaining": message, "tried": [], "applied": False}

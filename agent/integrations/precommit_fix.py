"""`dial-fix`: when the tests reaching the staged change fail, let dial fix them and stop the commit.

The fix lands in the working tree unstaged (the user reviews it, pre-commit's convention for hooks that
modify files) and also as a patch under `.dial/`, because pre-commit rolls back hook edits that clash with
the unstaged changes it stashed: whatever happens to the working tree, the fix is not lost.
"""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from agent.config import load_config
from agent.integrations.git_ops import Git, GitError
from agent.integrations.precommit import Echo, check, clean_path, test_command
from agent.integrations.runner import MODEL_KEYS, RunRequest, Runner, SubprocessRunner

if TYPE_CHECKING:
    from sandbox.base import Sandbox

DEFAULT_BUDGET = 8000  # thinking tokens: a commit-time fix should be small and quick
DEFAULT_MAX_COST = 0.50


def has_model_key(repo: Path, env: Mapping[str, str]) -> bool:
    """A provider key in the environment or the user-level config (repo files may not hold one)."""
    if any(env.get(k) for k in MODEL_KEYS):
        return True
    try:
        return any(p.api_key for p in load_config(repo).providers.values())
    except Exception:  # a broken config is reported by the run itself
        return False


def fix(
    repo: Path,
    filenames: list[str],
    env: Mapping[str, str],
    *,
    model: str = "",
    budget: int = DEFAULT_BUDGET,
    max_cost: float = DEFAULT_MAX_COST,
    runner: Runner | None = None,
    sandbox: Sandbox | None = None,
    echo: Echo = print,
) -> int:
    """0 when the tests pass; 1 otherwise (fixed or not: the user reviews and commits again)."""
    result = check(repo, filenames, env, sandbox=sandbox, echo=echo)
    if result.passed:
        return 0
    if not has_model_key(repo, env):
        echo("dial-fix: no model key (ANTHROPIC_API_KEY or OPENAI_API_KEY) is set, so this hook only checks, "
             "like dial-check; set a key to let it fix the failing tests")
        return 1
    command, _how = test_command(repo, env)
    argv = list(command.argv)
    if command.framework == "pytest":
        argv += result.selection.tests  # fix what reaches the staged change, not the rest of the suite
    echo(f"dial-fix: asking dial to fix {len(result.failed)} failing test(s) (budget {budget:,} thinking tokens, "
         f"at most ${max_cost:.2f})")
    child = {**env, "PATH": clean_path(env)}
    runner = runner or SubprocessRunner(child)
    outcome = runner(RunRequest(repo=repo, task=None, model=model, budget=budget, max_cost=max_cost,
                                test_cmd=shlex.join(argv), apply=True))
    diff = str(outcome.get("diff") or "")
    status = str(outcome.get("status"))
    if not diff:
        echo(f"dial-fix: dial stopped ({status}) without a change: {outcome.get('remaining') or 'no details'}")
        return 1
    patch = repo / ".dial" / f"fix-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.patch"
    patch.parent.mkdir(parents=True, exist_ok=True)
    patch.write_text(diff, encoding="utf-8")
    rel = patch.relative_to(repo)
    cost = f"cost ${float(outcome.get('cost_usd') or 0):.4f}"
    if status != "passed":  # an attempt that does not pass stays out of the working tree
        failing = ", ".join((outcome.get("tests") or {}).get("failed", [])[:10])
        echo(f"dial-fix: no passing fix ({status}: {outcome.get('remaining') or 'no details'}); {cost}"
             + (f"; still failing: {failing}" if failing else ""))
        echo(f"dial-fix: its attempt is saved as {rel}; look at it with `git apply --stat {rel}`")
        return 1
    if not outcome.get("applied"):
        try:
            Git(repo).apply(diff)
        except GitError as err:
            echo(f"dial-fix: could not apply the fix to the working tree: {err.output.strip()[-300:]}")
    echo(f"dial-fix: fix written to the working tree (not staged); the tests pass with it; {cost}")
    echo(f"dial-fix: saved as {rel}. Review it, then `git add -p` and commit again. If pre-commit rolled it "
         f"back (it clashed with unstaged changes), re-apply it with: git apply {rel}  (or onto the staged "
         f"version: git apply --cached {rel})")
    return 1

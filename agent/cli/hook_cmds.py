"""`dial hook check` / `dial hook fix`: the pre-commit hooks (see .pre-commit-hooks.yaml)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


def _repo() -> Path:
    """The repository root (pre-commit runs hooks from it; `git rev-parse` keeps subdirectories working)."""
    from agent.integrations.git_ops import Git

    return Path(Git(Path.cwd()).run("rev-parse", "--show-toplevel").stdout.strip())


@click.group("hook")
def hook_cmd() -> None:
    """pre-commit hooks: run the tests that reach the staged change (check), and repair them (fix)."""


@hook_cmd.command("check")
@click.argument("filenames", nargs=-1)
def check_cmd(filenames: tuple[str, ...]) -> None:
    """Run the tests that reach the staged change through the symbol graph; fail listing the failures."""
    from agent.integrations.precommit import check

    result = check(_repo(), list(filenames), os.environ, echo=click.echo)
    if not result.passed:
        sys.exit(1)  # not click's Exit: dial's main() drops its code


@hook_cmd.command("fix")
@click.option("--model", default="", help="provider:model for the fix (default: your configured model).")
@click.option("--budget", type=int, default=None, help="Thinking tokens for the fix (default 8000).")
@click.option("--max-cost", type=float, default=None, help="Cost cap in USD (default 0.50).")
@click.argument("filenames", nargs=-1)
def fix_cmd(model: str, budget: int | None, max_cost: float | None, filenames: tuple[str, ...]) -> None:
    """Like check; when tests fail and a key is set, dial fixes them in the working tree (unstaged)."""
    from agent.integrations.precommit_fix import DEFAULT_BUDGET, DEFAULT_MAX_COST, fix

    code = fix(_repo(), list(filenames), os.environ, model=model,
               budget=DEFAULT_BUDGET if budget is None else budget,
               max_cost=DEFAULT_MAX_COST if max_cost is None else max_cost, echo=click.echo)
    if code:
        sys.exit(code)  # not click's Exit: dial's main() drops its code

"""`dial github`: the GitHub Action's entry point (reads GITHUB_* and INPUT_* from the environment)."""

from __future__ import annotations

import os
import sys

import click


@click.command("github")
def github_cmd() -> None:
    """Act on the GitHub Actions event in GITHUB_EVENT_PATH: a `/dial` comment, a pull request or an issue.

    Reads GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_TOKEN, GITHUB_WORKSPACE,
    GITHUB_API_URL and the action inputs INPUT_MODEL, INPUT_BUDGET, INPUT_MAX-COST, INPUT_TEST-CMD,
    INPUT_SETUP-CMD, INPUT_MODE, INPUT_ALLOWED-PERMISSION, so it runs in any CI that sets them.
    """
    from agent.integrations.github_action import run_github

    code = run_github(os.environ, log=lambda line: click.echo(line))
    sys.stdout.flush()
    if code:
        sys.exit(code)  # not click's Exit: dial's main() drops its code

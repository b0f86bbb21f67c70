"""`dial sandbox`, `dial doctor`, `dial clean`, `dial apply`: the sandbox and worktree from the shell.

`dial sandbox` runs one command exactly as dial runs a target repo's tests, so a user can see what
their tests meet there (backend, limits, no network, masked home) before trusting a run to it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from agent.errors import DialError

PROVIDER_KEYS = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GITHUB_TOKEN")
repo_option = click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
                           show_default=True, help="The project directory.")


def _config(repo: Path) -> Any:
    from agent.config import load_config

    return load_config(repo.resolve())


@click.command(context_settings={"ignore_unknown_options": True})
@repo_option
@click.option("--sandbox", "backend", default=None, help="bwrap, unshare, docker, podman, seatbelt (macOS) or none (default: best).")
@click.option("--timeout", "timeout_s", type=float, default=None, help="Wall-clock limit in seconds.")
@click.option("--network", is_flag=True, help="Allow network access (off for test runs).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
def sandbox_cmd(repo: Path, backend: str | None, timeout_s: float | None, network: bool, as_json: bool,
                command: tuple[str, ...]) -> None:
    """Run COMMAND in dial's sandbox, in the repo directory (writable), the way dial runs tests."""
    from sandbox import Limits, get_sandbox

    if not repo.is_dir():
        raise DialError(f"{repo} is not a directory", "pass --repo with the path of your project")
    cfg = _config(repo)
    sb = get_sandbox(backend or cfg.sandbox.backend, env_allow=cfg.sandbox.env_allow)
    limits = Limits(timeout_s=timeout_s or cfg.sandbox.timeout_s, memory_mb=cfg.sandbox.memory_mb)
    result = sb.run(list(command), cwd=repo.resolve(), limits=limits, network=network)
    if as_json:
        data = result.as_dict()
        click.echo(json.dumps(data))
    else:
        click.echo(f"backend: {result.backend}")
        click.echo(f"exit code: {result.exit_code if result.exit_code is not None else '-'}")
        click.echo(f"timed out: {'yes' if result.timed_out else 'no'}   killed: {'yes' if result.killed else 'no'}")
        click.echo(f"output: {result.output_bytes} bytes")
        click.echo("-" * 40)
        if result.output:
            click.echo(result.output, nl=not result.output.endswith("\n"))
    for warning in result.warnings:
        click.echo(f"dial: warning: {warning}", err=True)
    if not result.ok:
        code = 124 if result.timed_out else (result.exit_code if result.exit_code not in (None, 0) else 137)
        # SystemExit, not click's Exit: main() runs click with standalone_mode=False, which turns
        # Exit into a return value that main() does not pass on
        sys.exit(code)


def _grammars() -> dict[str, Any]:
    try:
        from tree_sitter_language_pack import get_parser

        tree = get_parser("python").parse(b"def f(x):\n    return x\n")
        ok = not tree.root_node.has_error
        return {"ok": ok, "detail": "tree_sitter_language_pack parses Python" if ok else "parse had errors"}
    except Exception as exc:  # any failure here is what doctor reports
        return {"ok": False, "detail": f"{type(exc).__name__}: {exc}"}


def _index_health(repo: Path) -> dict[str, Any]:
    try:
        from agent.index import health

        return dict(health(repo))
    except Exception as exc:  # doctor must work even when the index part is broken or absent
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}


def doctor_report(repo: Path) -> dict[str, Any]:
    """What this machine gives dial: sandboxes, limits, git, grammars, keys (set or not), index."""
    from sandbox import available_backends, get_sandbox
    from sandbox.cgroup import describe_limits
    from sandbox.errors import SandboxError

    report: dict[str, Any] = {}
    report["sandbox_backends"] = [{"name": n, "usable": u, "detail": r} for n, u, r in available_backends()]
    try:
        cfg = _config(repo)
        wanted = cfg.sandbox.backend
    except DialError as err:
        report["config_error"] = err.problem
        wanted = None
    try:
        report["sandbox_chosen"] = get_sandbox(wanted).name
    except SandboxError as err:
        report["sandbox_chosen"] = None
        report["sandbox_error"] = err.problem
    report["limits"] = describe_limits()
    git = shutil.which("git")
    report["git"] = subprocess.run([git, "--version"], capture_output=True, text=True).stdout.strip() if git else None
    report["grammars"] = _grammars()
    report["provider_keys"] = {key: bool(os.environ.get(key)) for key in PROVIDER_KEYS}
    report["index"] = _index_health(repo.resolve())
    return report


@click.command()
@repo_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def doctor_cmd(repo: Path, as_json: bool) -> None:
    """Report what this machine gives dial: sandboxes, limits, git, grammars, provider keys, the index."""
    report = doctor_report(repo)
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
        return
    click.echo("sandbox backends:")
    for row in report["sandbox_backends"]:
        mark = "ok " if row["usable"] else "-- "
        click.echo(f"  {mark}{row['name']:<8} {row['detail']}")
    click.echo(f"  chosen: {report['sandbox_chosen'] or 'none usable: ' + report.get('sandbox_error', '')}")
    for key, value in report["limits"].items():
        click.echo(f"  {key.replace('_', ' ')}: {value}")
    click.echo(f"git: {report['git'] or 'not installed'}")
    click.echo(f"grammars: {'ok' if report['grammars']['ok'] else 'BROKEN'} ({report['grammars']['detail']})")
    click.echo("provider keys: " + ", ".join(f"{k} {'set' if v else 'not set'}"
                                             for k, v in report["provider_keys"].items()))
    index = report["index"]
    click.echo("index: " + ", ".join(f"{k}={v}" for k, v in index.items()))
    if "config_error" in report:
        click.echo(f"config: {report['config_error']}")


@click.command()
@repo_option
@click.option("--older-than", "older_than", type=float, default=None,
              help="Only runs older than this many days (default: every finished run).")
@click.option("--list", "list_only", is_flag=True, help="List runs and their status; remove nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def clean_cmd(repo: Path, older_than: float | None, list_only: bool, as_json: bool) -> None:
    """Remove the worktrees and branches of finished runs (their records and last diff stay)."""
    from agent.worktree import clean_runs, list_runs

    if list_only:
        runs = list_runs(repo)
        if as_json:
            click.echo(json.dumps(runs, default=str))
        for run in [] if as_json else runs:
            click.echo(f"{run['run_id']}  {run['status']:<9}  {run['branch']}")
        return
    removed = clean_runs(repo, older_than_days=older_than)
    if as_json:
        click.echo(json.dumps({"removed": removed}))
    else:
        click.echo(f"removed {len(removed)} run(s)" + (": " + ", ".join(removed) if removed else ""))


@click.command()
@click.argument("run_id")
@repo_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def apply_cmd(run_id: str, repo: Path, as_json: bool) -> None:
    """Apply a run's changes to your checkout (refuses if you changed those files since)."""
    from agent.worktree import apply_run

    files = apply_run(repo, run_id)
    if as_json:
        click.echo(json.dumps({"run_id": run_id, "files": files}))
    elif files:
        click.echo(f"applied run {run_id}: {len(files)} file(s)")
        for name in files:
            click.echo(f"  {name}")
    else:
        click.echo(f"run {run_id} changed nothing")

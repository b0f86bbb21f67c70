"""`dial run`, `dial fix`, `dial replay`, `dial demo`: the loop from the command line.

Exit codes: 0 only when the tests pass; 1 for any other final status; 2 for bad input (DialError);
130 after Ctrl-C (the run is saved and can be resumed or applied).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

import click

from agent.errors import DialError


def _common(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Flags shared by `run` and `fix`."""
    options = [
        click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
                     show_default=True, help="The git repository to work on (never modified without --apply)."),
        click.option("--model", help="provider:model, e.g. anthropic:claude-sonnet-4-5 (default from config)."),
        click.option("--budget", type=int, help="Thinking tokens for the whole task (0 = no thinking)."),
        click.option("--max-cost", "max_cost", type=float, help="Hard cap in USD, checked before every call."),
        click.option("--max-tokens", "max_tokens", type=int,
                     help="Hard cap on every billed token (input, cache, output), checked before every call."),
        click.option("--test-cmd", "test_cmd", help="Test command (detected when absent)."),
        click.option("--max-iterations", "max_iterations", type=int, help="Edit-test rounds at most."),
        click.option("--sandbox", "sandbox", help="bwrap, unshare, docker, podman, seatbelt (macOS) or none (default: best available)."),
        click.option("--apply", "apply", is_flag=True, help="Apply the result to your checkout when the tests pass."),
        click.option("--refine-difficulty/--no-refine-difficulty", "refine_difficulty", default=None,
                     help="One model call with no thinking rates the task before the budget is split "
                          "(config budget.refine_difficulty, off by default)."),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON result object on stdout."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@click.command("run")
@click.argument("task", required=False)
@click.option("--task-file", "task_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Read the task from a file.")
@click.option("--resume", "resume", metavar="RUN_ID", help="Continue an interrupted run on its branch.")
@_common
def run_cmd(task: str | None, task_file: Path | None, resume: str | None, **flags: Any) -> None:
    """Do TASK (an issue, a PR comment, `-` for stdin) on dial's branch until the tests pass."""
    from agent.execute.session import RunOptions, load_task

    repo = Path(flags["repo"])
    failures = ""
    if resume:
        recorded = load_task(_run_dir(repo, resume))["task"]
        text, failures = recorded["text"], recorded.get("failures", "")
    else:
        text = _task_text(task, task_file)
    _finish(_run(RunOptions(task=text, failures=failures, resume=resume, **_options(flags)), flags["as_json"]))


@click.command("fix")
@_common
def fix_cmd(**flags: Any) -> None:
    """Make the failing tests pass: the task comes from a first run of the test suite."""
    from agent.execute.session import RunOptions

    _finish(_run(RunOptions(fix=True, **_options(flags)), flags["as_json"]))


@click.command("replay")
@click.argument("run_id")
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON result object on stdout.")
def replay_cmd(run_id: str, repo: Path, as_json: bool) -> None:
    """Re-run recorded run RUN_ID offline: the model's answers come from its trajectory."""
    from agent.execute.session import load_task

    run_dir = _run_dir(repo, run_id)
    recorded = load_task(run_dir)
    trajectory = run_dir / "trajectory.jsonl"
    _say(f"dial: replaying run {run_id} offline from {trajectory} (no model is called)", as_json)
    options = _recorded_options(recorded, repo, trajectory)
    _finish(_run(options, as_json))


@click.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON result object on stdout.")
@click.option("--dir", "where", type=click.Path(file_okay=False, path_type=Path),
              help="Directory to copy the example repo into (default: a new temp directory).")
def demo_cmd(as_json: bool, where: Path | None) -> None:
    """Run the whole loop on a bundled example repo with a bundled RECORDED model run (replay; no key)."""
    from agent.demo import bundled_run, prepare_example

    repo = prepare_example(where)
    recorded, trajectory = bundled_run()
    _say("dial demo: this is a REPLAY of a recorded model run - no model is called and no API key is needed.\n"
         f"dial demo: example repo copied to {repo}", as_json)
    options = _recorded_options(recorded, repo, trajectory)
    outcome = _run(options, as_json)
    _say(f"dial demo: done (replay). Look at the branch {outcome.report.branch} in {repo} and its run dir "
         f"{outcome.report.run_dir}", as_json)
    _finish(outcome)


# --- helpers -------------------------------------------------------------------------------------------
def _task_text(task: str | None, task_file: Path | None) -> str:
    if task_file is not None:
        try:
            text = task_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise DialError(f"cannot read task file {task_file}: {exc.strerror}", "check the path") from exc
    elif task == "-":
        text = sys.stdin.read()
    elif task:
        text = task
    else:
        raise DialError("no task given", "pass the task as an argument, `-` to read stdin, or --task-file FILE")
    if not text.strip():
        raise DialError("the task is empty", "describe what to change (an issue text, a failing test)")
    return text.strip()


def _run_dir(repo: Path, run_id: str) -> Path:
    """A recorded run's directory; the id is checked so it cannot point outside .dial/runs/."""
    from agent.worktree.workspace import check_run_id

    return repo.resolve() / ".dial" / "runs" / check_run_id(run_id)


def _options(flags: dict[str, Any]) -> dict[str, Any]:
    return {"repo": Path(flags["repo"]), "model": flags["model"], "budget": flags["budget"],
            "max_cost_usd": flags["max_cost"], "max_tokens": flags["max_tokens"], "test_cmd": flags["test_cmd"],
            "max_iterations": flags["max_iterations"], "sandbox": flags["sandbox"], "apply": flags["apply"],
            "refine_difficulty": flags["refine_difficulty"]}


def _recorded_options(recorded: dict[str, Any], repo: Path, trajectory: Path) -> Any:
    """The options of a recorded run, with the replay provider standing in for the model."""
    from agent.execute.session import RunOptions

    task = recorded["task"]
    return RunOptions(
        task=task["text"], failures=task.get("failures", ""), failing_tests=task.get("failing_tests", []),
        repo=repo, model=f"replay:{trajectory}", capabilities_of=recorded.get("capabilities_of") or recorded["model"],
        budget=recorded["budget"], max_tokens=recorded.get("max_tokens"), max_cost_usd=recorded.get("max_cost_usd"),
        max_iterations=recorded.get("max_iterations"), test_cmd=recorded.get("test_cmd"),
        refine_difficulty=bool(recorded.get("refine_difficulty", False)),
    )


def _run(options: Any, as_json: bool) -> Any:
    from agent.execute.session import execute
    from agent.execute.view import make_view

    view = make_view(sys.stderr if as_json else sys.stdout)
    try:
        return execute(options, view=view)
    finally:
        view.close()


def _say(text: str, as_json: bool) -> None:
    click.echo(text, err=as_json)


def _finish(outcome: Any) -> None:
    report = outcome.report
    as_json = click.get_current_context().params.get("as_json", False)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        for line in report.summary_lines():
            click.echo(line)
    hint = []
    if outcome.interrupted:
        hint.append(f"dial: interrupted; run {report.run_id} is saved in {report.run_dir}")
        hint.append(f"  resume: dial run --resume {report.run_id}")
    if report.status != "passed" or outcome.interrupted or not report.applied:
        if report.diff and not report.applied:
            hint.append(f"  apply:  dial apply {report.run_id}   (branch {report.branch})")
    for line in hint:
        click.echo(line, err=as_json)
    if outcome.exit_code:
        raise click.exceptions.Exit(outcome.exit_code)

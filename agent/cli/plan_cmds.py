"""`dial plan`: show where dial would edit, how hard it thinks each edit is, and what the run could cost.

No model is called: the model name only says whose thinking minimum, output limit and prices apply.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

from agent.errors import DialError


def read_task(task: str | None, task_file: str | None) -> str:
    """The task text from the argument, `-` (stdin) or --task-file; a clear error when there is none."""
    if task and task_file:
        raise DialError("both TASK and --task-file were given", "pass the task one way only")
    if task_file:
        try:
            text = Path(task_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise DialError(f"cannot read task file {task_file}: {exc.strerror}", "check the path") from exc
    elif task == "-":
        text = sys.stdin.read()
    else:
        text = task or ""
    if not text.strip():
        raise DialError("no task given", "pass the task as an argument, '-' for stdin, or --task-file FILE")
    return text


def diff_paths(repo: Path) -> list[str]:
    """Paths changed in the working tree against HEAD (empty outside git)."""
    try:
        out = subprocess.run(["git", "-C", str(repo), "diff", "--name-only", "HEAD"], capture_output=True,
                             text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.stdout.splitlines() if line.strip()] if out.returncode == 0 else []


def render_text(plan_json: dict) -> str:
    """The plan for a terminal: sites, edits, difficulty, budget, worst case."""
    lines = [f"task difficulty {plan_json['difficulty']:.2f} (0 easy .. 1 hard)"]
    lines.append(f"thinking budget {plan_json['budget']}: planned {plan_json['planned_thinking']}, "
                 f"reserve {plan_json['reserve']} for escalation")
    lines.append("")
    lines.append("planned edits:")
    for e in plan_json["edits"]:
        lines.append(f"  {e['id']}  {e['path']}:{e['start_line']}-{e['end_line']}  {e['symbol']}  "
                     f"difficulty {e['difficulty']:.2f}  thinking {e['thinking_budget']}")
    lines.append("")
    lines.append("sites (best first):")
    for n, s in enumerate(plan_json["sites"], start=1):
        lines.append(f"  {n:>2}. {s['score']:.3f}  {s['path']}:{s['start_line']}-{s['end_line']}  {s['symbol']}"
                     f"  [{', '.join(s['why'])}]")
    if "worst_case_cost_usd" in plan_json:
        wc = plan_json["worst_case"]
        lines.append("")
        lines.append(f"worst-case cost ${plan_json['worst_case_cost_usd']:.2f} "
                     f"({wc['calls']} calls = {wc['iterations']} iterations x {wc['turns_per_iteration']} turns, "
                     f"each {wc['input_tokens_per_call']} input + {wc['answer_tokens_per_call']} answer tokens, "
                     f"plus {wc['thinking_tokens']} thinking; uncapped ${wc['uncapped_usd']:.2f})")
    for note in plan_json.get("notes", []):
        lines.append(f"note: {note}")
    return "\n".join(lines)


@click.command("plan")
@click.argument("task", required=False)
@click.option("--task-file", type=str, default=None, help="Read the task text from a file.")
@click.option("--repo", type=click.Path(file_okay=False), default=".", show_default=True, help="Repository.")
@click.option("--model", default=None, help="provider:model whose limits and prices apply (config default).")
@click.option("--budget", type=int, default=None, help="Thinking tokens for the whole task (config default).")
@click.option("--failures-file", type=str, default=None, help="Failing test output (pytest, traceback).")
@click.option("--failing-test", "failing_tests", multiple=True, help="A failing test id (repeatable).")
@click.option("--diff/--no-diff", default=False, help="Use the paths of uncommitted changes as a signal.")
@click.option("--max-edits", type=int, default=5, show_default=True, help="Most edits to plan.")
@click.option("--refine-difficulty", "refine", is_flag=True,
              help="Make the one rating call `dial run --refine-difficulty` makes (needs the model's API key).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as one JSON object.")
def plan_cmd(task: str | None, task_file: str | None, repo: str, model: str | None, budget: int | None,
             failures_file: str | None, failing_tests: tuple[str, ...], diff: bool, max_edits: int,
             refine: bool, as_json: bool) -> None:
    """Localise TASK, estimate difficulty and split the thinking budget, without calling a model (unless
    --refine-difficulty)."""
    from agent.config import load_config
    from agent.index import RepoIndex
    from agent.models import get_capabilities
    from agent.plan import TaskInput, make_plan

    root = Path(repo).resolve()
    if not root.is_dir():
        raise DialError(f"repository {repo} does not exist", "pass --repo PATH of a checkout")
    text = read_task(task, task_file)
    failures = ""
    if failures_file:
        try:
            failures = Path(failures_file).read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise DialError(f"cannot read failures file {failures_file}: {exc.strerror}", "check the path") from exc
    cfg = load_config(root)
    if budget is not None and budget < 0:
        raise DialError(f"--budget {budget} is negative", "pass 0 (no thinking) or a positive token count")
    if max_edits < 1:
        raise DialError(f"--max-edits {max_edits} is below 1", "pass 1 or more")
    model_name = model or cfg.model.default
    caps = get_capabilities(model_name, cfg.model.capabilities)
    index = RepoIndex.open(root, cfg.index)
    index.update()
    for message in getattr(index, "messages", []):
        click.echo(f"dial: {message}", err=True)
    task_input = TaskInput(text=text, failures=failures, diff_paths=diff_paths(root) if diff else [],
                           failing_tests=list(failing_tests))
    plan = make_plan(
        index, task_input,
        budget=cfg.budget.thinking if budget is None else budget, caps=caps,
        reserve_fraction=cfg.budget.reserve_fraction, repo=root, max_edits=max_edits, loop=cfg.loop,
        max_tokens_cap=cfg.budget.max_tokens, max_cost_cap=cfg.budget.max_cost_usd,
    )
    if refine:
        plan = refined(plan, task_input, model_name, cfg, caps)
    data = plan.to_json()
    click.echo(json.dumps(data, indent=2) if as_json else render_text(data))


def refined(plan: Any, task: Any, model_name: str, cfg: Any, caps: Any) -> Any:
    """The plan after the rating call a run with --refine-difficulty makes (agent.plan.refine)."""
    from agent.execute.prompts import Prompts
    from agent.models import cost_usd, make_model
    from agent.plan.refine import apply_rating, parse_rating, rating_request

    request = rating_request(Prompts().render, task.text, task.failures, plan.sites)
    response = make_model(model_name, cfg).complete(request)
    rating = parse_rating(response.message().text())
    billed = f"the rating call billed {response.usage.total_tokens} tokens (${cost_usd(response.usage, caps):.4f})"
    if rating is None:
        plan.notes.append(f"{billed} and answered no digit 1-4: the formula's estimate is kept")
        return plan
    plan = apply_rating(plan, rating, caps, cfg.budget.reserve_fraction)
    plan.notes.append(billed)
    return plan

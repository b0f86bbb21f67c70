"""The one summary comment dial keeps per PR or issue, edited in place on every run.

A hidden marker finds it again; the text says what happened in terms a reviewer can act on: the status, the
tests and their result, planned against spent per edit, the cost, and on failure what was tried and what is
left (failure comments that say nothing were a top complaint about other bots).
"""

from __future__ import annotations

from typing import Any

from agent.integrations.github_api import GitHubClient
from agent.integrations.suggestions import patch_block

MARKER = "<!-- dial-summary -->"

STATUS_TEXT = {
    "passed": "tests pass",
    "failed": "tests still fail",
    "budget_exhausted": "stopped: budget used up",
    "no_progress": "stopped: no progress",
    "max_iterations": "stopped: iteration limit",
    "error": "error",
}


def _n(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "?"


def _tests_section(tests: dict[str, Any]) -> list[str]:
    if not tests:
        return ["**Tests:** not run"]
    failed = list(tests.get("failed") or [])
    scope = "full suite" if tests.get("full_suite_run") else f"{_n(tests.get('selected'))} selected"
    result = "passed" if tests.get("passed") and not failed else f"{len(failed)} failing"
    lines = [f"**Tests:** `{tests.get('command', '?')}` ({scope}): {result}"]
    for nodeid in failed[:20]:
        lines.append(f"- `{nodeid}`")
    if len(failed) > 20:
        lines.append(f"- ... and {len(failed) - 20} more")
    return lines


def _budget_section(result: dict[str, Any]) -> list[str]:
    spent = result.get("spent") or {}
    planned = (result.get("planned") or {}).get("thinking")
    estimated = " (estimated)" if spent.get("thinking_estimated") else ""
    lines = [
        f"**Budget:** thinking planned {_n(planned)}, spent {_n(spent.get('thinking_tokens'))}{estimated}; "
        f"input {_n(spent.get('input_tokens'))}, output {_n(spent.get('output_tokens'))}, "
        f"cache read {_n(spent.get('cache_read_tokens'))}, cache write {_n(spent.get('cache_write_tokens'))}; "
        f"cost ${float(result.get('cost_usd') or 0):.4f} over {_n(result.get('iterations'))} iteration(s)",
    ]
    edits = result.get("edits") or []
    if edits:
        lines += ["", "| edit | difficulty | thinking planned | thinking spent | attempts |", "|---|---|---:|---:|---:|"]
        for e in edits:
            where = f"`{e.get('path', '?')}`" + (f" `{e['symbol']}`" if e.get("symbol") else "")
            used = (e.get("spent") or {}).get("thinking_tokens")
            difficulty = e.get("difficulty", "?")
            if isinstance(difficulty, float):
                difficulty = f"{difficulty:.2f}"
            lines.append(
                f"| {where} | {difficulty} | {_n(e.get('planned_thinking'))} | {_n(used)} "
                f"| {_n(e.get('attempts'))} |"
            )
    return lines


def render(
    *,
    headline: str,
    result: dict[str, Any] | None,
    notes: list[str],
    run_url: str = "",
    diff_in_comment: bool = False,
) -> str:
    """The comment body (markdown), starting with the hidden marker."""
    lines = [MARKER, f"### dial: {headline}"]
    if result is not None:
        status = str(result.get("status", "error"))
        lines.append(f"**Status:** `{status}` ({STATUS_TEXT.get(status, status)})")
        lines.append("")
        lines += _tests_section(result.get("tests") or {})
        lines.append("")
        lines += _budget_section(result)
        if status != "passed":
            tried = result.get("tried") or []
            if tried:
                lines += ["", "**Tried:**", *[f"- {t}" for t in tried[:15]]]
            if result.get("remaining"):
                lines += ["", f"**Left to do:** {result['remaining']}"]
        if diff_in_comment and result.get("diff"):
            lines += ["", patch_block(str(result["diff"]), "dial's patch")]
    if notes:
        lines += ["", *[f"> {n}" for n in notes]]
    if run_url:
        lines += ["", f"[Workflow run and trajectory artifact]({run_url})"]
    return "\n".join(lines) + "\n"


def upsert(client: GitHubClient, number: int, body: str) -> dict:
    """Edit dial's summary comment if there is one (a bot's first), else create it."""
    ours = [c for c in client.list_issue_comments(number) if str(c.get("body") or "").startswith(MARKER)]
    ours.sort(key=lambda c: (c.get("user") or {}).get("type") != "Bot")
    if ours:
        return client.update_issue_comment(int(ours[0]["id"]), body)
    return client.create_issue_comment(number, body)

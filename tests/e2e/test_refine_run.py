"""`--refine-difficulty` end to end: one rating call with no thinking over the real Anthropic wire format,
before the budget is split; the rest of the run then thinks as the refined plan says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.execute.session import RunOptions, execute
from agent.plan.budget import ESCALATION
from tests.e2e.coder import ScriptedCoder
from tests.e2e.helpers import MODEL, loopback_factory, recorded_usage, thinking_budgets
from tests.e2e.sample import FIXES, SITES, TASK, expected_budgets, make_repo
from tests.servers.anthropic_server import AnthropicServer
from tests.servers.script import Reply, reply_text

RATING_PROMPT = "Rate how hard this task is"


class Rater:
    """Answers the rating request with `answer`; every other request goes to the coder."""

    def __init__(self, coder: ScriptedCoder, answer: str) -> None:
        self.coder, self.answer, self.rated = coder, answer, 0

    def __call__(self, body: dict[str, Any]) -> Reply:
        content = body["messages"][-1]["content"]
        text = content if isinstance(content, str) else " ".join(b.get("text", "") for b in content)
        if RATING_PROMPT in text:
            self.rated += 1
            return reply_text(self.answer, usage={"input_tokens": 420, "output_tokens": 2})
        return self.coder(body)


def _run(tmp_path: Path, answer: str) -> tuple[Any, AnthropicServer, Rater]:
    repo = make_repo(tmp_path)
    rater = Rater(ScriptedCoder(FIXES, SITES), answer)
    with AnthropicServer([rater] * 30) as server:
        outcome = execute(RunOptions(task=TASK, repo=repo, model=MODEL, budget=32000, refine_difficulty=True),
                          model_factory=loopback_factory(server.base_url))
    assert server.errors == []
    return outcome, server, rater


def test_a_hard_rating_is_asked_once_without_thinking_and_the_run_thinks_as_the_refined_plan_says(
        tmp_path: Path) -> None:
    outcome, server, rater = _run(tmp_path, "4")
    report = outcome.report
    assert report.status == "passed", report.remaining
    first = server.requests[0].body
    assert rater.rated == 1 and RATING_PROMPT in json.dumps(first["messages"])
    assert first.get("thinking", {}).get("type") != "enabled" and not first.get("tools")
    assert first["max_tokens"] <= 64

    plan = json.loads((Path(report.run_dir) / "plan.json").read_text())
    signals = plan["task_signals"]
    assert signals["model_rating"] == 4 and plan["difficulty"] > signals["formula_difficulty"]
    assert plan["planned_thinking"] + plan["reserve"] <= 32000
    # every later call thinks as the refined plan.json says (the rating call itself thinks 0)
    to_cents = next(e for e in plan["edits"] if e["symbol"].endswith("to_cents"))
    escalated = int(max(to_cents["thinking_budget"], 1024) * ESCALATION)
    assert thinking_budgets(server) == [0] + expected_budgets(plan, rater.coder, escalated)
    assert any(line.startswith("difficulty rating call: 4 of 4") for line in report.tried)
    # the rating call is billed in the totals, to no edit
    usage = recorded_usage(Path(report.run_dir))
    assert report.spent.input_tokens == usage["input_tokens"]
    assert report.spent.input_tokens - sum(e.spent.input_tokens for e in report.edits) == 420


def test_an_easy_rating_plans_less_thinking_than_a_hard_one_and_no_digit_keeps_the_formula(tmp_path: Path) -> None:
    runs = {answer: _run(tmp_path / str(n), answer)[0] for n, answer in enumerate(("1", "4", "It depends."))}
    easy, hard, vague = (json.loads((Path(o.report.run_dir) / "plan.json").read_text()) for o in runs.values())
    assert easy["task_signals"]["model_rating"] == 1 and hard["task_signals"]["model_rating"] == 4
    assert easy["difficulty"] < hard["difficulty"] and easy["planned_thinking"] < hard["planned_thinking"]
    assert "model_rating" not in vague["task_signals"]
    assert vague["difficulty"] == easy["task_signals"]["formula_difficulty"]  # the formula's estimate is kept
    assert any("answered no digit 1-4" in line for line in runs["It depends."].report.tried)
    assert all(o.report.status == "passed" for o in runs.values())


def test_the_cli_flag_rates_the_task_and_a_replay_makes_the_same_rating_call_offline(tmp_path: Path) -> None:
    from tests.e2e.test_cli import dial

    repo = make_repo(tmp_path)
    rater = Rater(ScriptedCoder(FIXES, SITES), "3")
    with AnthropicServer([rater] * 30) as server:
        env = {"ANTHROPIC_API_KEY": "loopback-no-key", "ANTHROPIC_BASE_URL": server.base_url}
        done = dial("run", TASK, "--repo", str(repo), "--model", MODEL, "--budget", "32000", "--refine-difficulty",
                    "--json", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert rater.rated == 1 and any(line.startswith("difficulty rating call: 3 of 4") for line in result["tried"])
    again = dial("replay", result["run_id"], "--repo", str(repo), "--json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    replayed = json.loads(again.stdout)
    assert replayed["planned"] == result["planned"] and replayed["spent"] == result["spent"]
    assert [e["planned_thinking"] for e in replayed["edits"]] == [e["planned_thinking"] for e in result["edits"]]

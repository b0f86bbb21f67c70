"""End to end: the whole loop on a real sample repo, the real Anthropic wire format on loopback, real pytest
in the sandbox, real git worktrees. The model is a scripted coder answering from the conversation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.execute.session import RunOptions, execute
from agent.models import make_model
from agent.plan.budget import ESCALATION
from tests.e2e.coder import ScriptedCoder
from tests.e2e.helpers import MODEL, InterruptAfter, loopback_factory, model_calls, recorded_usage, thinking_budgets
from tests.e2e.sample import FIXES, SITES, TASK, expected_budgets, git, make_repo
from tests.servers.anthropic_server import AnthropicServer
from tests.servers.openai_server import OpenAIServer

USER_EDIT = "\n# the user's own unsaved work\n"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """The sample repo with uncommitted work of the user's: a modified file and an untracked one."""
    repo = make_repo(tmp_path)
    with (repo / "shop" / "inventory.py").open("a") as fh:
        fh.write(USER_EDIT)
    (repo / "notes.txt").write_text("untracked notes\n")
    return repo


def _user_state(repo: Path) -> tuple[str, str, str, str]:
    return (git(repo, "status", "--porcelain"), (repo / "shop" / "inventory.py").read_text(),
            (repo / "notes.txt").read_text(), (repo / "shop" / "money.py").read_text())


def test_run_fixes_a_two_file_bug_with_an_escalated_second_attempt(shop: Path) -> None:
    before = _user_state(shop)
    coder = ScriptedCoder(FIXES, SITES)
    with AnthropicServer([coder] * 30) as server:
        outcome = execute(RunOptions(task=TASK, repo=shop, model=MODEL, budget=32000),
                          model_factory=loopback_factory(server.base_url))
    assert server.errors == []
    report = outcome.report
    assert (report.status, outcome.exit_code) == ("passed", 0), report.remaining
    assert report.tests.passed and report.tests.full_suite_run and report.iterations == 2

    # The fix spans two files and is committed on dial's branch, one commit per applied edit.
    assert "int(amount * 100 + 0.5)" in git(shop, "show", f"{report.branch}:shop/money.py")
    assert "int(cents * rate + 0.5)" in git(shop, "show", f"{report.branch}:shop/tax.py")

    log = git(shop, "log", "--format=%s", report.branch).splitlines()
    assert sum(1 for s in log if s.startswith("dial: ")) == 3
    # The user's checkout, uncommitted work included, is untouched.
    assert _user_state(shop) == before

    # The budget split and the escalation happened as planned, seen on the wire.
    run_dir = Path(report.run_dir)
    plan = json.loads((run_dir / "plan.json").read_text())
    by_site = {(e["path"], e["symbol"].rsplit(".", 1)[-1]): e for e in plan["edits"]}
    assert set(SITES.items()) <= set(by_site)
    to_cents = by_site["shop/money.py", "to_cents"]
    escalated = int(max(to_cents["thinking_budget"], 1024) * ESCALATION)
    assert escalated - to_cents["thinking_budget"] <= plan["reserve"]
    assert thinking_budgets(server) == expected_budgets(plan, coder, escalated)
    assert [s["kind"] for s in coder.seen][-2:] == ["repair", "result"]
    edits = {(e.path, e.symbol.rsplit(".", 1)[-1]): e for e in report.edits}
    assert edits["shop/money.py", "to_cents"].attempts == 2 and edits["shop/tax.py", "add_tax"].attempts == 1
    assert all(e.attempts == 1 for site, e in edits.items() if site not in SITES.items())

    # Spent is the provider's usage, summed exactly; the run dir holds every record.
    usage = recorded_usage(run_dir)
    assert report.spent.input_tokens == usage["input_tokens"] and report.spent.output_tokens == usage["output_tokens"]
    assert report.spent.thinking_tokens == sum(e.spent.thinking_tokens for e in report.edits) > 0
    assert len(model_calls(run_dir)) == len(server.requests) == len(expected_budgets(plan, coder, escalated))
    for name in ("trajectory.jsonl", "plan.json", "report.json", "final.diff", "task.json"):
        assert (run_dir / name).is_file(), name
    assert json.loads((run_dir / "report.json").read_text()) == report.to_json()
    assert (run_dir / "final.diff").read_text() == report.diff and "shop/tax.py" in report.diff
    assert "loopback-no-key" not in (run_dir / "trajectory.jsonl").read_text()


def test_cost_cap_refuses_the_first_call_before_it_is_made(shop: Path) -> None:
    with AnthropicServer([ScriptedCoder(FIXES, SITES)] * 10) as server:
        outcome = execute(RunOptions(task=TASK, repo=shop, model=MODEL, budget=32000, max_cost_usd=0.01),
                          model_factory=loopback_factory(server.base_url))
    report = outcome.report
    assert report.status == "budget_exhausted" and outcome.exit_code == 1
    assert server.requests == [] and report.cost_usd == 0
    assert "--max-cost" in report.remaining and "not made" in report.remaining
    assert (Path(report.run_dir) / "report.json").is_file() and (Path(report.run_dir) / "plan.json").is_file()


def test_token_cap_stops_mid_run_and_is_never_crossed(shop: Path) -> None:
    cap = 30_000
    with AnthropicServer([ScriptedCoder(FIXES, SITES)] * 30) as server:
        outcome = execute(RunOptions(task=TASK, repo=shop, model=MODEL, budget=32000, max_tokens=cap),
                          model_factory=loopback_factory(server.base_url))
    report = outcome.report
    assert report.status == "budget_exhausted", report.remaining
    assert 0 < len(server.requests)  # some calls were made; the one that could cross the cap was not
    assert report.spent.total_tokens <= cap
    usage = recorded_usage(Path(report.run_dir))
    assert sum(usage.values()) == report.spent.total_tokens
    first = json.loads((Path(report.run_dir) / "plan.json").read_text())["edits"][0]["path"]
    assert first in report.diff  # what was achieved is kept on the branch
    assert "--max-tokens" in report.remaining


def test_same_failure_after_escalation_stops_with_no_progress(shop: Path) -> None:
    useless = {"shop/money.py": [("return int(amount * 100)", "return round(amount * 100)"),
                                 ("return round(amount * 100)", "return round(amount * 100.0)")],
               "shop/tax.py": FIXES["shop/tax.py"]}
    coder = ScriptedCoder(useless, SITES)
    with AnthropicServer([coder] * 30) as server:
        outcome = execute(RunOptions(task=TASK, repo=shop, model=MODEL, budget=32000),
                          model_factory=loopback_factory(server.base_url))
    report = outcome.report
    assert report.status == "no_progress" and report.iterations == 2
    assert report.tests.failed == ["tests/test_money.py::test_to_cents_rounds_half_up"]
    assert "test_to_cents_rounds_half_up" in report.remaining
    plan = json.loads((Path(report.run_dir) / "plan.json").read_text())
    assert len(server.requests) == len(expected_budgets(plan, coder)) + 2  # no third attempt was paid for


def test_iteration_limit_stops_before_a_repair(shop: Path) -> None:
    coder = ScriptedCoder(FIXES, SITES)
    with AnthropicServer([coder] * 30) as server:
        outcome = execute(RunOptions(task=TASK, repo=shop, model=MODEL, budget=32000, max_iterations=1),
                          model_factory=loopback_factory(server.base_url))
    plan = json.loads((Path(outcome.report.run_dir) / "plan.json").read_text())
    assert outcome.report.status == "max_iterations" and len(server.requests) == len(expected_budgets(plan, coder))
    assert "--max-iterations 1" in outcome.report.remaining


def test_ctrl_c_keeps_branch_trajectory_and_report(shop: Path) -> None:
    with AnthropicServer([ScriptedCoder(FIXES, SITES)] * 30) as server:
        real = loopback_factory(server.base_url)
        outcome = execute(RunOptions(task=TASK, repo=shop, model=MODEL, budget=32000),
                          model_factory=lambda *a, **k: InterruptAfter(real(*a, **k), 3))
    report = outcome.report
    assert outcome.interrupted and outcome.exit_code == 130 and report.status == "error"
    assert "Ctrl-C" in report.remaining
    run_dir = Path(report.run_dir)
    assert len(model_calls(run_dir)) == 2
    assert json.loads((run_dir / "report.json").read_text())["status"] == "error"
    first = json.loads((run_dir / "plan.json").read_text())["edits"][0]
    if first["path"] in SITES:  # the first planned edit was committed before the interrupt
        assert FIXES[first["path"]][0][1] in git(shop, "show", f"{report.branch}:{first['path']}")
    first = first["path"] if first["path"] in SITES else ""

    # `dial run --resume <run-id>` continues on the same branch and appends to the same trajectory.
    left = {path: steps[1:] if path == first else steps for path, steps in FIXES.items()}
    with AnthropicServer([ScriptedCoder(left, SITES)] * 30) as server:
        resumed = execute(RunOptions(task=TASK, repo=shop, model=MODEL, budget=32000, resume=report.run_id),
                          model_factory=loopback_factory(server.base_url))
    assert resumed.report.status == "passed" and resumed.report.run_id == report.run_id
    assert len(model_calls(run_dir)) == 2 + len(server.requests)
    assert "int(cents * rate + 0.5)" in resumed.report.diff and "int(amount * 100 + 0.5)" in resumed.report.diff


def test_fix_takes_the_task_from_a_first_test_run_and_applies(shop: Path) -> None:
    coder = ScriptedCoder(FIXES, SITES)
    with AnthropicServer([coder] * 30) as server:
        outcome = execute(RunOptions(repo=shop, model=MODEL, budget=32000, fix=True, apply=True),
                          model_factory=loopback_factory(server.base_url))
    assert outcome.report.status == "passed", outcome.report.remaining
    # --apply brought the fix into the checkout, next to the user's own uncommitted work
    assert outcome.report.applied is True
    assert "int(amount * 100 + 0.5)" in (shop / "shop" / "money.py").read_text()
    assert (shop / "shop" / "inventory.py").read_text().endswith(USER_EDIT)
    assert (shop / "notes.txt").read_text() == "untracked notes\n"
    task = json.loads((Path(outcome.report.run_dir) / "task.json").read_text())["task"]
    assert set(task["failing_tests"]) == {"tests/test_money.py::test_to_cents_rounds_half_up",
                                          "tests/test_cart.py::test_total_with_tax_is_whole_cents"}
    first_prompt = server.requests[0].body["messages"][0]["content"]
    assert "test_to_cents_rounds_half_up" in json.dumps(first_prompt)


def test_the_loop_is_provider_neutral_openai_wire_format(shop: Path) -> None:
    coder = ScriptedCoder(FIXES, SITES)
    with OpenAIServer([coder] * 30) as server:
        env = {"OPENAI_API_KEY": "loopback-no-key", "OPENAI_BASE_URL": server.base_url}
        outcome = execute(RunOptions(task=TASK, repo=shop, model="openai:gpt-5", budget=32000),
                          model_factory=lambda name, config, recorder=None: make_model(
                              name, config, recorder=recorder, env=env))
    assert server.errors == []
    assert outcome.report.status == "passed", outcome.report.remaining
    kinds = [s["kind"] for s in coder.seen]
    efforts = [s["effort"] for s in coder.seen]
    for i, kind in enumerate(kinds):
        if kind == "result":
            assert efforts[i] == efforts[i - 1]  # one reasoning setting for the whole tool-use turn
    money = next(s["effort"] for s in coder.seen if "`shop.money.to_cents`" in s["text"])
    order = ["minimal", "low", "medium", "high"]
    assert kinds[-2:] == ["repair", "result"]
    assert order.index(efforts[-2]) >= order.index(money)  # the escalated budget never buys less effort
    assert outcome.report.spent.thinking_tokens > 0 and not outcome.report.spent.thinking_estimated

"""Prompt templates render strictly and carry what the model needs; the report has the documented shape."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from agent.execute.prompts import Prompts, code_excerpt, repo_instructions
from agent.execute.report import EditRecord, RunReport
from agent.models.types import Usage
from agent.plan.types import PlannedEdit, Site


def test_missing_variable_is_an_error_not_an_empty_prompt() -> None:
    with pytest.raises(jinja2.UndefinedError):
        Prompts().render("system", repo_name="x")


def test_system_prompt_carries_repo_instructions_and_map(tmp_path: Path) -> None:
    (tmp_path / "AGENTS.md").write_text("Use tabs.\n")
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "copilot-instructions.md").write_text("Never touch vendor/.\n")
    docs = repo_instructions(tmp_path)
    assert [d.path for d in docs] == ["AGENTS.md", ".github/copilot-instructions.md"]
    text = Prompts().render("system", repo_name="shop", instructions=docs, repo_map="cart.py:\n  3: def total",
                            test_command="pytest -q")
    assert "Use tabs." in text and "Never touch vendor/." in text
    assert "def total" in text and "`pytest -q`" in text


def test_plan_edit_and_repair_prompts_name_sites_and_failures(tmp_path: Path) -> None:
    (tmp_path / "cart.py").write_text("a = 1\ndef total():\n    return 0\n")
    edit = PlannedEdit("e1", "cart.py", "total", 2, 3, 0.72, 4096)
    site = Site("cart.py", "total", 2, 3, 1.5, ["traceback frame", "bm25"])
    p = Prompts()
    plan = p.render("plan", task="totals are wrong", failures="", sites=[site], edits=[edit])
    assert "cart.py:2-3 `total` (traceback frame, bm25)" in plan and "e1: `total`" in plan
    excerpt = code_excerpt(tmp_path, "cart.py", 2, 3)
    assert excerpt.splitlines() == ["    2  def total():", "    3      return 0"]
    text = p.render("edit", edit=edit, number=1, total=2, why="traceback frame", level="hard", thinking=4096,
                    code=excerpt)
    assert "Edit 1 of 2" in text and "thinking budget for this edit: 4096" in text and "return 0" in text
    repair = p.render("repair", iteration=2, selected=["tests/test_cart.py::test_total"], summary="assert 0 == 7",
                      edit=edit, attempt=2, max_attempts=3, thinking=8192)
    assert "assert 0 == 7" in repair and "attempt 2 of 3" in repair and "8192" in repair


def test_json_report_has_exactly_the_documented_keys() -> None:
    report = RunReport(status="failed", run_id="r1", branch="dial/r1", diff="--- a\n")
    report.edits.append(EditRecord("e1", "cart.py", "total", 0.5, 4096, attempts=2,
                                   spent=Usage(10, 20, 3, 4, 15, True)))
    data = report.to_json()
    assert set(data) == {"status", "run_id", "branch", "diff", "edits", "planned", "spent", "cost_usd", "iterations",
                         "tests", "remaining", "tried", "applied"}
    assert set(data["edits"][0]) == {"path", "symbol", "difficulty", "planned_thinking", "attempts", "spent"}
    assert data["edits"][0]["spent"] == {"input_tokens": 10, "output_tokens": 20, "cache_read_tokens": 4,
                                         "cache_write_tokens": 3, "thinking_tokens": 15, "thinking_estimated": True}
    assert set(data["tests"]) == {"command", "passed", "failed", "selected", "full_suite_run", "failing_before",
                                  "unrelated"}
    assert set(data["planned"]) == {"thinking"}

"""`dial plan` end to end: a real subprocess on the sample repo, JSON shape, stdin, errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path


def dial(*args: str, stdin: str | None = None, cwd: Path | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))}
    full.update(XDG_CONFIG_HOME=str(cwd or Path.cwd()), **(env or {}))  # no user config or key leaks in
    return subprocess.run([sys.executable, "-m", "agent.cli.main", *args], input=stdin, capture_output=True,
                          text=True, env=full, timeout=120)


def test_plan_json_shape(sample_repo: Path, failing_output: str, tmp_path: Path) -> None:
    failures = tmp_path / "fail.txt"
    failures.write_text(failing_output)
    proc = dial("plan", "average word length is wrong", "--repo", str(sample_repo), "--failures-file",
                str(failures), "--budget", "16000", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert isinstance(data["difficulty"], float)
    assert data["budget"] == 16000 and data["reserve"] == 4000
    site = data["sites"][0]
    assert set(site) == {"path", "symbol", "start_line", "end_line", "score", "why"}
    assert site["path"] == "textkit/stats.py" and site["symbol"].endswith("average_word_length")
    assert len(data["sites"]) >= 8  # every symbol of the small repo (>= 20 when a repo has them)
    assert [s["score"] for s in data["sites"]] == sorted((s["score"] for s in data["sites"]), reverse=True)
    edit = data["edits"][0]
    assert {"difficulty", "thinking_budget", "path", "symbol"} <= set(edit)
    assert sum(e["thinking_budget"] for e in data["edits"]) <= 16000 - 4000
    assert data["worst_case_cost_usd"] > 0 and data["worst_case"]["calls"] == 8 * 30


def test_plan_reads_stdin_and_prints_text(sample_repo: Path, tmp_path: Path) -> None:
    proc = dial("plan", "-", "--repo", str(sample_repo), "--budget", "0", stdin="slugify breaks on accents",
                cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "slugify" in proc.stdout.split("sites (best first):")[1].splitlines()[1]
    assert "thinking 0" in proc.stdout and "worst-case cost $" in proc.stdout


def test_budget_zero_plans_no_thinking(sample_repo: Path, tmp_path: Path) -> None:
    proc = dial("plan", "slugify and unique_slug disagree", "--repo", str(sample_repo), "--budget", "0",
                "--json", cwd=tmp_path)
    data = json.loads(proc.stdout)
    assert data["reserve"] == 0 and all(e["thinking_budget"] == 0 for e in data["edits"])


def test_missing_task_is_a_clear_error(sample_repo: Path, tmp_path: Path) -> None:
    proc = dial("plan", "--repo", str(sample_repo), cwd=tmp_path)
    assert proc.returncode == 2
    assert "no task given" in proc.stderr and "fix:" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_failures_file_is_a_clear_error(sample_repo: Path, tmp_path: Path) -> None:
    proc = dial("plan", "x", "--repo", str(sample_repo), "--failures-file", str(tmp_path / "nope"), cwd=tmp_path)
    assert proc.returncode == 2 and "cannot read failures file" in proc.stderr


def test_plan_refine_difficulty_makes_the_one_rating_call_and_needs_a_key(sample_repo: Path, tmp_path: Path) -> None:
    from tests.servers.anthropic_server import AnthropicServer
    from tests.servers.script import reply_text

    args = ("plan", "average word length is wrong", "--repo", str(sample_repo), "--budget", "16000", "--json")
    plain = json.loads(dial(*args, cwd=tmp_path).stdout)
    with AnthropicServer([reply_text("4", usage={"input_tokens": 380, "output_tokens": 1})]) as server:
        env = {"ANTHROPIC_API_KEY": "loopback-no-key", "ANTHROPIC_BASE_URL": server.base_url}
        proc = dial(*args, "--refine-difficulty", "--model", "anthropic:claude-sonnet-4-5", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    body = server.requests[0].body
    assert len(server.requests) == 1 and "thinking" not in body and not body.get("tools")
    assert "Rate how hard" in json.dumps(body["messages"]) and "textkit/stats.py" in json.dumps(body["messages"])
    assert data["task_signals"]["model_rating"] == 4 and data["difficulty"] > plain["difficulty"]
    assert data["planned_thinking"] > plain["planned_thinking"]
    assert any(re.fullmatch(r"the rating call billed [1-9]\d* tokens \(\$0\.\d{4}\)", n) for n in data["notes"])

    without_key = dial(*args, "--refine-difficulty", "--model", "anthropic:claude-sonnet-4-5", cwd=tmp_path)
    assert without_key.returncode != 0 and "ANTHROPIC_API_KEY" in without_key.stderr
    assert "Traceback" not in without_key.stderr


def test_plan_refine_difficulty_over_the_openai_wire_format_keeps_a_reasoning_models_minimum(
        sample_repo: Path, tmp_path: Path) -> None:
    from tests.servers.openai_server import OpenAIServer
    from tests.servers.script import reply_text

    with OpenAIServer([reply_text("2")]) as server:
        env = {"OPENAI_API_KEY": "loopback-no-key", "OPENAI_BASE_URL": server.base_url}
        proc = dial("plan", "average word length is wrong", "--repo", str(sample_repo), "--model", "openai:gpt-5-mini",
                    "--refine-difficulty", "--json", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert server.errors == [] and len(server.requests) == 1
    body = server.requests[0].body
    # gpt-5-mini cannot turn reasoning off: the least it allows, with room for it beside the 16-token answer
    assert body["reasoning_effort"] == "minimal" and body["max_completion_tokens"] > 16 and not body.get("tools")
    assert json.loads(proc.stdout)["task_signals"]["model_rating"] == 2

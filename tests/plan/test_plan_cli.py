"""`dial plan` end to end: a real subprocess on the sample repo, JSON shape, stdin, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def dial(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, XDG_CONFIG_HOME=str(cwd or Path.cwd()))  # no user config leaks in
    return subprocess.run([sys.executable, "-m", "agent.cli.main", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=120)


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

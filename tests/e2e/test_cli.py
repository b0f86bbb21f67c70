"""The commands as a user runs them: `dial run --json` against the loopback server, `dial replay` offline,
`dial demo`, and bad input answered with a problem and a fix instead of a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli.main import main
from tests.e2e.coder import ScriptedCoder
from tests.e2e.helpers import MODEL, model_calls
from tests.e2e.sample import FIXES, SITES, TASK, make_repo
from tests.servers.anthropic_server import AnthropicServer

KEYS = {"status", "run_id", "branch", "diff", "edits", "planned", "spent", "cost_usd", "iterations",
        "tests", "remaining", "tried", "applied"}


def dial(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))}
    full_env["XDG_CONFIG_HOME"] = str(cwd or Path.cwd())  # no user-level config leaks in
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "agent.cli.main", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=120, input="")


def test_run_json_then_replay_offline(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (tmp_path / "task.txt").write_text(TASK)
    with AnthropicServer([ScriptedCoder(FIXES, SITES)] * 30) as server:
        env = {"ANTHROPIC_API_KEY": "loopback-no-key", "ANTHROPIC_BASE_URL": server.base_url}
        done = dial("run", "--task-file", str(tmp_path / "task.txt"), "--repo", str(repo), "--model", MODEL,
                    "--budget", "32000", "--json", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # stdout is exactly one JSON object
    assert set(result) == KEYS and result["status"] == "passed" and result["applied"] is False
    assert set(result["tests"]) == {"command", "passed", "failed", "selected", "full_suite_run", "failing_before",
                                    "unrelated"}
    assert result["tests"]["passed"] is True and result["tests"]["full_suite_run"] is True
    assert result["planned"]["thinking"] == sum(e["planned_thinking"] for e in result["edits"])
    assert "[plan]" in done.stderr  # progress goes to stderr when --json
    assert "return int(amount * 100)" in (repo / "shop" / "money.py").read_text()  # not applied

    # The server is gone: the replay answers from the trajectory.
    again = dial("replay", result["run_id"], "--repo", str(repo), "--json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    replayed = json.loads(again.stdout)
    assert "offline" in again.stderr
    assert replayed["status"] == "passed" and replayed["run_id"] != result["run_id"]
    assert replayed["spent"] == result["spent"] and replayed["diff"] == result["diff"]
    assert [e["attempts"] for e in replayed["edits"]] == [e["attempts"] for e in result["edits"]]
    # the replayed run carries the recorded calls in its own trajectory, so it can be replayed in turn
    runs = repo / ".dial" / "runs"
    assert model_calls(runs / replayed["run_id"]) == model_calls(runs / result["run_id"])


def test_demo_replays_the_bundled_run_without_a_key(tmp_path: Path) -> None:
    done = dial("demo", "--json", "--dir", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "REPLAY" in done.stderr and "no API key" in done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "passed" and result["iterations"] == 2
    assert [e["attempts"] for e in result["edits"] if e["symbol"].endswith("apply_discount")] == [2]
    assert "(cents * (100 - percent) + 50) // 100" in result["diff"]


def test_bad_input_is_a_problem_and_a_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert main(["run", "x", "--repo", str(repo), "--model", MODEL]) == 2
    assert "ANTHROPIC_API_KEY" in capsys.readouterr().err
    assert not (repo / ".dial" / "worktrees").exists()  # bad input fails before any worktree is made
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    for args, problem in [
        (["run", "--repo", str(repo)], "no task given"),
        (["run", "x", "--repo", str(repo), "--max-tokens", "0", "--model", MODEL], "--max-tokens 0"),
        (["run", "x", "--repo", str(repo), "--model", "nope:m"], "unknown model provider"),
        (["run", "x", "--repo", str(tmp_path / "absent"), "--model", MODEL], "absent is not a directory"),
        (["replay", "no-such-run", "--repo", str(repo)], "no-such-run"),
    ]:
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert problem in err and "fix:" in err, (args, err)
    done = dial("run", "-", "--repo", str(repo), "--model", MODEL, cwd=tmp_path)  # `-`: the task from stdin
    assert done.returncode == 2 and "the task is empty" in done.stderr and "Traceback" not in done.stderr

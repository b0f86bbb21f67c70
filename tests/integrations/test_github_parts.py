"""The GitHub client's retries, the dial child's environment, and suggestions for insertions."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from agent.integrations.github_api import GitHubAPIError, GitHubClient, RetryPolicy
from agent.integrations.runner import RunRequest, SubprocessRunner
from agent.integrations.suggestions import plan_review
from tests.integrations.github_server import FakeGitHub, GitHubState


def test_client_retries_rate_limits_and_5xx_then_gives_a_clear_error() -> None:
    state = GitHubState(permissions={"alice": "triage"})
    state.faults = [
        ("/permission", 502, {}),
        ("/permission", 403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "0"}),
        ("/permission", 429, {"retry-after": "0"}),
    ]
    waits: list[float] = []
    with FakeGitHub(state) as gh:
        client = GitHubClient(gh.url, state.token, state.repository, sleep=waits.append,
                              retry=RetryPolicy(max_retries=3, base_delay_s=0.01))
        assert client.permission("alice") == "triage"  # role_name wins over the legacy "read"
        assert len(waits) == 3 and waits[2] == 0.0  # Retry-After honoured
        state.faults = [("/pulls/1$", 500, {})] * 4
        with pytest.raises(GitHubAPIError, match="HTTP 500") as err:
            client.get_pull(1)
        assert err.value.status == 500
        # a plain 403 (no rate limit) is not retried
        state.faults = [("/pulls/2$", 403, {})]
        before = len(state.requests)
        with pytest.raises(GitHubAPIError, match="HTTP 403"):
            client.get_pull(2)
        assert len(state.requests) == before + 1
        client.close()
    assert len(state.calls("GET", "/permission$")) == 4


def test_client_pages_through_long_lists() -> None:
    state = GitHubState()
    state.comments[3] = [{"id": i, "body": str(i), "user": {"type": "User"}} for i in range(230)]
    with FakeGitHub(state) as gh:
        client = GitHubClient(gh.url, state.token, state.repository)
        assert [c["id"] for c in client.list_issue_comments(3)] == list(range(230))
        client.close()
    assert [r.query for r in state.requests] == [f"per_page=100&page={p}" for p in (1, 2, 3)]


def test_dial_child_gets_no_github_token_and_the_flags_of_the_contract(tmp_path: Path) -> None:
    fake_dial = tmp_path / "fake_dial.py"
    fake_dial.write_text(
        "import json, os, sys\n"
        "print('log line before the result')\n"
        "print(json.dumps({'status': 'passed', 'argv': sys.argv[1:], 'env': sorted(os.environ)}))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "GITHUB_TOKEN": "ghs_x", "ACTIONS_RUNTIME_TOKEN": "rt", "INPUT_MODE": "commit",
           "ANTHROPIC_API_KEY": "sk-ant-x", "ANTHROPIC_BASE_URL": "http://127.0.0.1:1"}
    runner = SubprocessRunner(env, prefix=[sys.executable, str(fake_dial)])
    result = runner(RunRequest(tmp_path, "do it", model="anthropic:m", budget=8000, max_cost=1.5,
                               test_cmd="pytest -q", apply=True))
    assert result["argv"] == ["run", "-", "--repo", str(tmp_path), "--json", "--model", "anthropic:m",
                              "--budget", "8000", "--max-cost", "1.5", "--test-cmd", "pytest -q", "--apply"]
    assert "GITHUB_TOKEN" not in result["env"] and "ACTIONS_RUNTIME_TOKEN" not in result["env"]
    assert "INPUT_MODE" not in result["env"] and "ANTHROPIC_API_KEY" in result["env"]
    assert runner(RunRequest(tmp_path, None))["argv"][:1] == ["fix"]

    fake_dial.write_text("import sys\nprint('Traceback: boom', file=sys.stderr)\nsys.exit(3)\n")
    failed = runner(RunRequest(tmp_path, None))
    assert failed["status"] == "error" and "code 3" in failed["remaining"] and "boom" in failed["remaining"]


def test_insertions_become_suggestions_anchored_on_the_line_before() -> None:
    diff = (
        "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n"
        "@@ -1,3 +1,4 @@\n def f():\n+    check()\n     return 1\n \n"
    )
    pr_files = [{"filename": "m.py", "patch": "@@ -0,0 +1,3 @@\n+def f():\n+    return 1\n+"}]
    plan = plan_review(diff, pr_files, lambda path: ["def f():", "    return 1", ""])
    [comment] = plan.comments
    assert comment["line"] == 1 and "start_line" not in comment
    assert "```suggestion\ndef f():\n    check()\n```" in comment["body"]
    assert not plan.patch_needed


def test_large_diffs_become_a_patch_not_suggestions() -> None:
    old = [f"x{i} = {i}" for i in range(100)]
    body = "".join(f"-{line}\n+{line}0\n" for line in old)
    diff = f"diff --git a/big.py b/big.py\n--- a/big.py\n+++ b/big.py\n@@ -1,100 +1,100 @@\n{body}"
    pr_files = [{"filename": "big.py", "patch": "@@ -1,100 +1,100 @@\n" + body}]
    plan = plan_review(diff, pr_files, lambda path: old)
    assert plan.comments == [] and plan.patch_needed and "200 changed lines" in plan.reason


def test_multi_line_replacement_uses_start_line_and_fences_backticks() -> None:
    diff = ("diff --git a/d.md b/d.md\n--- a/d.md\n+++ b/d.md\n@@ -1,3 +1,2 @@\n-a\n-b\n+```x```\n c\n")
    pr_files = [{"filename": "d.md", "patch": "@@ -1,2 +1,3 @@\n+a\n+b\n c"}]
    [comment] = plan_review(diff, pr_files, lambda p: ["a", "b", "c"]).comments
    assert (comment["start_line"], comment["line"]) == (1, 2)
    assert "````suggestion\n```x```\n````" in comment["body"]
    json.dumps(comment)


def test_a_task_that_looks_like_an_option_reaches_dial_as_text_on_stdin(tmp_path):
    """A PR comment such as `/dial --apply --budget 999999` must stay task text, never become flags."""
    import json as _json
    import sys as _sys

    from agent.integrations.runner import RunRequest, SubprocessRunner

    echo = ("import json, sys; print(json.dumps({'status': 'passed', 'argv': sys.argv[1:], "
            "'stdin': sys.stdin.read()}))")
    runner = SubprocessRunner({"PATH": "/usr/bin:/bin"}, prefix=[_sys.executable, "-c", echo])
    task = "--apply --budget 999999 make it pass"
    result = runner(RunRequest(repo=tmp_path, task=task, budget=100))
    assert result["stdin"] == task
    assert result["argv"][:2] == ["run", "-"]
    assert "--apply" not in result["argv"] and "999999" not in _json.dumps(result["argv"])

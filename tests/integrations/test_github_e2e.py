"""The whole Action path with nothing stood in but the two remote services: `dial github` runs the real
`dial fix` child against the loopback Anthropic server, then talks to the loopback GitHub API and pushes to
a bare origin. Also checks that action.yml and the example workflows match what `dial github` reads."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import yaml

from agent.integrations.events import INPUT_DEFAULTS
from agent.integrations.github_action import run_github
from agent.integrations.summary import MARKER
from tests.e2e.coder import ScriptedCoder
from tests.integrations.gh_fixtures import make_workspace, pull_payload
from tests.integrations.github_server import FakeGitHub, GitHubState
from tests.servers.anthropic_server import AnthropicServer

ROOT = Path(__file__).resolve().parents[2]
BUG, FIX = "def mul(a, b):\n    return a + b", "def mul(a, b):\n    return a * b"


def test_pr_comment_fix_in_commit_mode_with_the_real_loop(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    (tmp_path / "xdg").mkdir()
    state = GitHubState(repository="octo/app", permissions={"alice": "admin"})
    state.pulls[7] = pull_payload(ws, "octo/app", "octo/app")
    state.pull_files[7] = [{"filename": "calc.py", "status": "modified", "patch": ws.pr_patch}]
    event = tmp_path / "event.json"
    event.write_text(json.dumps({
        "action": "created", "sender": {"login": "alice", "type": "User"},
        "issue": {"number": 7, "title": "Add square", "pull_request": {"url": "x"}},
        "comment": {"id": 1, "body": "/dial fix", "user": {"login": "alice"}},
    }))
    coder = ScriptedCoder({"calc.py": [(BUG, FIX)]})
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_", "GITHUB_", "INPUT_"))}
    logs: list[str] = []
    with AnthropicServer([coder] * 20) as model, FakeGitHub(state) as gh:
        env = {
            **base, "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
            "ANTHROPIC_API_KEY": "loopback-no-key", "ANTHROPIC_BASE_URL": model.base_url,
            "GITHUB_EVENT_NAME": "issue_comment", "GITHUB_EVENT_PATH": str(event), "GITHUB_REPOSITORY": "octo/app",
            "GITHUB_TOKEN": state.token, "GITHUB_WORKSPACE": str(ws.checkout), "GITHUB_API_URL": gh.url,
            "GITHUB_OUTPUT": str(tmp_path / "out.txt"),
            "INPUT_MODEL": "anthropic:claude-sonnet-4-5", "INPUT_BUDGET": "8000", "INPUT_MAX-COST": "1",
            "INPUT_MODE": "commit",
        }
        code = run_github(env, log=logs.append)
    assert code == 0, "\n".join(logs) + "\n" + "\n".join(c["body"] for c in state.comments.get(7, []))
    assert coder.seen, "the model was never asked"
    assert FIX in ws.origin_file("feature", "calc.py") and "def square" in ws.origin_file("feature", "calc.py")
    assert ws.origin_log("feature").splitlines()[1].startswith(ws.head_sha)
    [summary] = [c for c in state.comments[7] if c["body"].startswith(MARKER)]
    assert "`passed`" in summary["body"] and "Pushed commit" in summary["body"]
    # the per-edit budget row names the planned site in calc.py (which symbol is the planner's call)
    assert re.search(r"\| `calc\.py` `calc\.(mul|square)` \| [\d.]+ \| [\d,]+ \|", summary["body"]), summary["body"]
    outputs = dict(line.split("=", 1) for line in (tmp_path / "out.txt").read_text().splitlines())
    assert outputs["status"] == "passed" and (Path(outputs["trajectory"]) / "trajectory.jsonl").is_file()
    assert state.token not in (ws.checkout / ".git" / "config").read_text()


def test_action_yml_passes_every_input_dial_reads() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    for name in INPUT_DEFAULTS:
        assert name in action["inputs"], name
        assert (action["inputs"][name].get("default") or "") == INPUT_DEFAULTS[name], name
    run_step = next(s for s in action["runs"]["steps"] if s.get("id") == "dial")
    for name in INPUT_DEFAULTS:
        assert run_step["env"][f"INPUT_{name.upper()}"] == f"${{{{ inputs.{name} }}}}"
    assert "dial\" github" in run_step["run"]
    upload = next(s for s in action["runs"]["steps"] if "upload-artifact" in str(s.get("uses")))
    assert upload["uses"] == "actions/upload-artifact@v4" and upload["if"].startswith("always()")
    assert upload["with"]["path"] == "${{ steps.dial.outputs.trajectory }}" and upload["with"]["include-hidden-files"]


def test_example_workflows_are_safe_to_copy() -> None:
    files = sorted((ROOT / "examples" / "workflows").glob("*.yml"))
    assert len(files) == 3
    for path in files:
        text = path.read_text()
        flow = yaml.safe_load(text)
        triggers = flow[True]  # YAML reads the key `on` as true
        assert "pull_request_target" not in triggers, path
        checkouts = [s for job in flow["jobs"].values() for s in job["steps"] if "actions/checkout" in s.get("uses", "")]
        assert checkouts and all(s["with"]["persist-credentials"] is False for s in checkouts), path
        assert re.search(r"secrets\.ANTHROPIC_API_KEY", text), path
        dial_jobs = [j for j in flow["jobs"].values() if any("dial@" in s.get("uses", "") for s in j["steps"])]
        for job in dial_jobs:
            perms = job.get("permissions") or flow["permissions"]
            assert set(perms) <= {"contents", "pull-requests", "issues"}, path


def test_dial_github_command_reads_hyphenated_inputs_from_the_process_environment(tmp_path: Path) -> None:
    import subprocess
    import sys

    ws = make_workspace(tmp_path)
    state = GitHubState(repository="octo/app", permissions={"tria": "triage"})
    event = tmp_path / "event.json"
    event.write_text(json.dumps({
        "action": "created", "sender": {"login": "tria", "type": "User"},
        "issue": {"number": 7, "title": "t", "pull_request": {"url": "x"}},
        "comment": {"id": 1, "body": "/dial fix", "user": {"login": "tria"}},
    }))
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_", "GITHUB_", "INPUT_"))}
    with FakeGitHub(state) as gh:
        env = {**base, "GITHUB_EVENT_NAME": "issue_comment", "GITHUB_EVENT_PATH": str(event),
               "GITHUB_REPOSITORY": "octo/app", "GITHUB_TOKEN": state.token, "GITHUB_WORKSPACE": str(ws.checkout),
               "GITHUB_API_URL": gh.url, "INPUT_ALLOWED-PERMISSION": "maintain"}
        done = subprocess.run([sys.executable, "-m", "agent.cli.main", "github"], env=env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0 and "needs 'maintain'" in done.stdout, done.stdout + done.stderr
        env["INPUT_MODE"] = "yolo"
        bad = subprocess.run([sys.executable, "-m", "agent.cli.main", "github"], env=env, capture_output=True,
                             text=True, timeout=60)
    assert bad.returncode == 2 and "input mode is 'yolo'" in bad.stderr and "Traceback" not in bad.stderr
    [reply] = state.comments[7]
    assert "`maintain`" in reply["body"] and "`triage`" in reply["body"]

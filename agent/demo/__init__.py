"""`dial demo`: the bundled example repo and a recorded run of dial's own loop over it (replayed, no key).

The recording is genuine: `python -m agent.demo.record` runs the real loop against the scripted loopback
Anthropic server (tests/servers) in record mode and stores its trajectory here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from agent.errors import DialError

DEMO_REPO_NAME = "dial-demo"  # fixed, so the replayed prompts match the recorded ones


def example_source() -> Path:
    return Path(str(files("agent.demo").joinpath("example")))


def recording_dir() -> Path:
    return Path(str(files("agent.demo").joinpath("recording")))


def prepare_example(where: Path | None = None) -> Path:
    """Copy the example repo into a fresh directory and make it a git repo with one commit."""
    parent = Path(where) if where else Path(tempfile.mkdtemp(prefix="dial-demo-"))
    repo = parent / DEMO_REPO_NAME
    if repo.exists():
        raise DialError(f"{repo} already exists", "pass --dir with an empty directory, or remove it")
    with as_file(files("agent.demo").joinpath("example")) as src:
        shutil.copytree(src, repo, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache"))
    git = ["git", "-c", "user.name=dial demo", "-c", "user.email=demo@dial.invalid", "-c", "init.defaultBranch=main",
           "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "example repo"]):
        done = subprocess.run([*git, *args], cwd=repo, capture_output=True, text=True)
        if done.returncode != 0:
            raise DialError(f"git {args[0]} failed in {repo}: {done.stderr.strip()}", "check that git is installed")
    return repo


def bundled_run() -> tuple[dict[str, Any], Path]:
    """The recorded run's inputs (task.json) and its trajectory."""
    rec = recording_dir()
    task, trajectory = rec / "task.json", rec / "trajectory.jsonl"
    if not task.is_file() or not trajectory.is_file():
        raise DialError("the bundled demo recording is missing", "reinstall dial, or run `python -m agent.demo.record`")
    return json.loads(task.read_text(encoding="utf-8")), trajectory

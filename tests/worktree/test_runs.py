"""Applying a run to the user's checkout, refusing to overwrite their later edits, pruning runs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from agent.cli.main import main
from agent.errors import DialError
from agent.worktree import Workspace, apply_run, clean_runs, list_runs
from wt_helpers import fingerprint, git, make_repo


def test_apply_writes_the_runs_changes_into_the_checkout(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    (repo / "b.py").write_text("b = 'user edit before the run'\n")
    ws = Workspace.create(repo)
    (ws.path / "a.py").write_text("a = 'dial'\n")
    ws.commit("edit a")
    (ws.path / "new.py").write_text("new = 1\n")  # uncommitted edits count too
    (ws.path / "b.py").write_text("b = 'dial on top of the user edit'\n")
    files = apply_run(repo, ws.run_id)
    assert files == ["a.py", "b.py", "new.py"]
    assert (repo / "a.py").read_text() == "a = 'dial'\n"
    assert (repo / "b.py").read_text() == "b = 'dial on top of the user edit'\n"
    assert (repo / "new.py").read_text() == "new = 1\n"
    assert git(repo, "diff", "--cached") == ""  # applied to files only, nothing staged
    assert [r["status"] for r in list_runs(repo)] == ["applied"]


def test_apply_refuses_when_the_user_changed_those_files_since(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    ws = Workspace.create(repo)
    (ws.path / "a.py").write_text("a = 'dial'\n")
    (ws.path / "b.py").write_text("b = 'dial'\n")
    (repo / "a.py").write_text("a = 'user, later'\n")  # the conflicting later change
    before = fingerprint(repo)
    with pytest.raises(DialError) as err:
        apply_run(repo, ws.run_id)
    assert "a.py" in err.value.problem and "b.py" not in err.value.problem
    assert "changes.diff" in err.value.fix and (ws.run_dir / "changes.diff").is_file()
    assert fingerprint(repo) == before  # nothing half-applied
    (repo / "a.py").write_text("a = 1\n")  # the user puts it back: now it applies
    assert apply_run(repo, ws.run_id) == ["a.py", "b.py"]


def test_apply_refuses_when_the_user_created_a_file_the_run_creates(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    ws = Workspace.create(repo)
    (ws.path / "c.py").write_text("c = 'dial'\n")
    (repo / "c.py").write_text("c = 'user'\n")
    with pytest.raises(DialError):
        apply_run(repo, ws.run_id)
    assert (repo / "c.py").read_text() == "c = 'user'\n"


def test_apply_back_into_a_plain_directory(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "m.py").write_text("m = 1\n")
    ws = Workspace.create(plain)
    (ws.path / "m.py").write_text("m = 2\n")
    assert apply_run(plain, ws.run_id) == ["m.py"]
    assert (plain / "m.py").read_text() == "m = 2\n" and not (plain / ".git").exists()


def test_clean_removes_finished_runs_and_keeps_live_ones(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    done_ws, live_ws = Workspace.create(repo), Workspace.create(repo)
    (done_ws.path / "a.py").write_text("a = 'kept in the record'\n")
    done_ws.finish()
    assert clean_runs(repo, older_than_days=1) == []  # too young
    assert clean_runs(repo) == [done_ws.run_id]
    assert not done_ws.path.exists() and live_ws.path.exists()
    assert done_ws.branch not in git(repo, "branch", "--list", "dial/*")
    assert live_ws.branch in git(repo, "branch", "--list", "dial/*")
    assert "kept in the record" in (done_ws.run_dir / "changes.diff").read_text()
    statuses = {r["run_id"]: (r["status"], r["worktree_exists"]) for r in list_runs(repo)}
    assert statuses == {done_ws.run_id: ("cleaned", False), live_ws.run_id: ("active", True)}
    with pytest.raises(DialError):
        Workspace.open(repo, done_ws.run_id)


def test_runs_of_dead_processes_are_abandoned_and_pruned_automatically_past_an_age(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    old = Workspace.create(repo)
    meta = json.loads((old.run_dir / "workspace.json").read_text())
    meta.update(pid=2**22 + 12345, created=time.time() - 30 * 86400)  # a pid that cannot exist, a month ago
    (old.run_dir / "workspace.json").write_text(json.dumps(meta))
    assert list_runs(repo)[0]["status"] == "abandoned"
    Workspace.create(repo)  # creating a run prunes old finished ones
    assert not old.path.exists()


def test_clean_on_a_plain_directory_without_runs_creates_nothing(tmp_path: Path) -> None:
    assert clean_runs(tmp_path) == [] and list_runs(tmp_path) == []
    assert not (tmp_path / ".dial").exists()


def test_cli_apply_and_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = make_repo(tmp_path / "r")
    ws = Workspace.create(repo)
    (ws.path / "a.py").write_text("a = 'cli'\n")
    ws.finish()
    assert main(["apply", ws.run_id, "--repo", str(repo), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"run_id": ws.run_id, "files": ["a.py"]}
    assert main(["apply", "nope", "--repo", str(repo)]) == 2
    assert "no dial run 'nope'" in capsys.readouterr().err
    assert main(["clean", "--repo", str(repo), "--list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["run_id"] == ws.run_id
    assert main(["clean", "--repo", str(repo), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"removed": [ws.run_id]}

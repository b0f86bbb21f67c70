"""The SQLite file: corruption and old schemas are rebuilt with a message; two writers take turns."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from agent.cli.main import main
from agent.index import RepoIndex, health
from agent.index.store import SCHEMA_VERSION
from tests.index.helpers import dump, make_repo


def test_corrupt_db_is_rebuilt_with_a_message(py_repo: Path, capsys) -> None:  # noqa: ANN001
    with RepoIndex.open(py_repo) as idx:
        idx.update(progress=False)
    db = py_repo / ".dial" / "index.sqlite"
    db.write_bytes(b"this is not a database at all" * 100)
    assert health(py_repo)["schema_ok"] is False
    assert main(["index", "--repo", str(py_repo), "--json"]) == 0
    out = capsys.readouterr()
    assert "rebuilding the index" in out.err and "not a readable SQLite database" in out.err
    assert '"files": 5' in out.out
    assert health(py_repo)["schema_ok"] is True


def test_old_schema_is_rebuilt(py_repo: Path) -> None:
    with RepoIndex.open(py_repo) as idx:
        idx.update(progress=False)
    con = sqlite3.connect(py_repo / ".dial" / "index.sqlite")
    con.execute("UPDATE meta SET value='0' WHERE key='schema'")
    con.commit()
    con.close()
    idx = RepoIndex.open(py_repo)
    assert idx.messages == [f"rebuilding the index at {py_repo.resolve()}/.dial/index.sqlite: "
                            f"it has schema version 0, this dial uses {SCHEMA_VERSION}"]
    assert idx.update(progress=False).reparsed == 5
    idx.close()


def test_health_never_builds(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", "python")
    report = health(repo)
    assert report["exists"] is False and not (repo / ".dial").exists()
    with RepoIndex.open(repo) as idx:
        idx.update(progress=False)
    report = health(repo)
    assert (report["exists"], report["schema_ok"], report["files"], report["symbols"]) == (True, True, 5, 18)


def test_dial_dir_is_git_excluded(py_repo: Path) -> None:
    RepoIndex.open(py_repo).close()
    RepoIndex.open(py_repo).close()
    exclude = (py_repo / ".git" / "info" / "exclude").read_text()
    assert exclude.count(".dial/") == 1
    status = subprocess.run(["git", "-C", str(py_repo), "status", "--porcelain"], capture_output=True, text=True)
    assert status.stdout == ""


def test_two_processes_at_once(tmp_path: Path) -> None:
    files = {f"pkg/m{i}.py": f"from pkg.m{(i + 1) % 60} import f{(i + 1) % 60}\n\n\ndef f{i}(x):\n    return f{(i + 1) % 60}(x)\n"
             for i in range(60)}
    repo = make_repo(tmp_path / "many", files=files)
    cmd = [sys.executable, "-m", "agent.cli.main", "index", "--repo", str(repo), "--json"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    reparsed = sorted(__import__("json").loads(o)["reparsed"] for o, _ in outs)
    assert reparsed == [0, 60]  # one built it, the other waited and found nothing to do
    with RepoIndex.open(repo) as idx:
        assert idx.update(progress=False).reparsed == 0
        got = dump(idx)
        assert idx.con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    (repo / ".dial").rename(tmp_path / "old-dial")
    with RepoIndex.open(repo) as idx:
        idx.update(progress=False)
        assert dump(idx) == got


def test_health_says_a_build_is_in_progress_instead_of_suggesting_a_rebuild(py_repo: Path) -> None:
    with RepoIndex.open(py_repo) as idx:
        idx.update(progress=False)
    writer = sqlite3.connect(py_repo / ".dial" / "index.sqlite", isolation_level=None)
    try:
        writer.execute("PRAGMA journal_mode=DELETE")  # what a cold build runs under
        writer.execute("BEGIN EXCLUSIVE")
        report = health(py_repo, wait_s=0.1)
        assert report["schema_ok"] is False and "a build in progress" in str(report["message"])
        assert "rebuilds it" not in str(report["message"])
    finally:
        writer.execute("ROLLBACK")
        writer.execute("PRAGMA journal_mode=WAL")
        writer.close()
    assert health(py_repo)["schema_ok"] is True

"""dial's worktree on real git repos: the snapshot carries the user's state and never touches it."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import DialError
from agent.worktree import Workspace
from wt_helpers import fingerprint, git, make_repo


def test_uncommitted_staged_and_untracked_changes_are_carried_over(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    (repo / "a.py").write_text("a = 2  # unstaged\n")
    (repo / "b.py").write_text("b = 2  # staged\n")
    git(repo, "add", "b.py")
    (repo / "b.py").write_text("b = 3  # staged then edited again\n")
    (repo / "new.py").write_text("new = 1\n")
    (repo / "debug.log").write_text("ignored\n")
    before = fingerprint(repo)
    ws = Workspace.create(repo)
    assert fingerprint(repo) == before  # checkout, index, stash, HEAD untouched
    assert (ws.path / "a.py").read_text() == "a = 2  # unstaged\n"
    assert (ws.path / "b.py").read_text() == "b = 3  # staged then edited again\n"
    assert (ws.path / "new.py").read_text() == "new = 1\n"
    assert not (ws.path / "debug.log").exists()  # ignored files stay behind
    assert ws.path == repo / ".dial" / "worktrees" / ws.run_id and ws.branch == f"dial/{ws.run_id}"
    assert ws.run_dir.is_dir() and ws.base_commit != git(repo, "rev-parse", "HEAD")
    assert git(repo, "rev-parse", f"{ws.base_commit}^") == git(repo, "rev-parse", "HEAD")
    assert ".dial/" in (repo / ".git" / "info" / "exclude").read_text()
    assert ".dial" not in git(repo, "status", "--porcelain")
    assert ws.diff() == "" and ws.changed_files() == []


def test_clean_checkout_uses_head_as_base(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    ws = Workspace.create(repo, run_id="clean-1")
    assert ws.base_commit == git(repo, "rev-parse", "HEAD") and ws.run_id == "clean-1"


def test_commit_diff_changed_files_and_reset(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    ws = Workspace.create(repo)
    assert ws.commit("nothing") is None
    (ws.path / "a.py").write_text("a = 10\n")
    first = ws.commit("edit a")
    assert first and len(first) == 40 and git(ws.path, "log", "-1", "--format=%s") == "edit a"
    (ws.path / "c.py").write_text("c = 1\n")  # uncommitted, untracked
    (ws.path / "b.py").unlink()
    assert ws.changed_files() == ["a.py", "b.py", "c.py"]
    diff = ws.diff()
    assert "+a = 10" in diff and "+c = 1" in diff and "deleted file mode" in diff
    ws.reset_to(first)
    assert ws.changed_files() == ["a.py"] and (ws.path / "b.py").exists() and not (ws.path / "c.py").exists()
    ws.reset_to(ws.base_commit)
    assert ws.diff() == "" and (ws.path / "a.py").read_text() == "a = 1\n"
    with pytest.raises(DialError):
        ws.reset_to("not-a-commit")


def test_run_ids_sort_by_creation_and_open_finds_the_run(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    one, two = Workspace.create(repo), Workspace.create(repo)
    assert one.run_id < two.run_id
    again = Workspace.open(repo, one.run_id)
    assert (again.path, again.branch, again.base_commit) == (one.path, one.branch, one.base_commit)
    with pytest.raises(DialError) as err:
        Workspace.open(repo, "missing-run")
    assert one.run_id in err.value.fix
    with pytest.raises(DialError):
        Workspace.open(repo, "../etc")


def test_repo_without_commits(tmp_path: Path) -> None:
    repo = tmp_path / "empty"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "first.py").write_text("x = 1\n")
    ws = Workspace.create(repo)
    assert (ws.path / "first.py").read_text() == "x = 1\n"
    assert git(repo, "rev-parse", "--verify", "-q", "HEAD", check=False) == ""  # still no commits for the user
    assert git(repo, "rev-list", "--count", ws.base_commit) == "1"


def test_detached_head(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    (repo / "a.py").write_text("a = 5\n")
    git(repo, "commit", "-qam", "second")
    git(repo, "checkout", "-q", "--detach", "HEAD~1")
    ws = Workspace.create(repo)
    assert (ws.path / "a.py").read_text() == "a = 1\n"
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "HEAD"  # user still detached
    assert git(ws.path, "rev-parse", "--abbrev-ref", "HEAD") == ws.branch


def test_submodule_repo(tmp_path: Path) -> None:
    sub = make_repo(tmp_path / "sub", {"s.py": "s = 1\n"})
    repo = make_repo(tmp_path / "r")
    git(repo, "submodule", "add", "-q", str(sub), "vendor/sub")
    git(repo, "commit", "-qm", "add sub")
    (repo / "a.py").write_text("a = 7\n")
    ws = Workspace.create(repo)
    assert (ws.path / "a.py").read_text() == "a = 7\n" and (ws.path / ".gitmodules").exists()
    assert git(ws.path, "ls-files", "-s", "vendor/sub").startswith("160000")


def test_merge_in_progress_is_refused(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    git(repo, "checkout", "-q", "-b", "other")
    (repo / "a.py").write_text("a = 'other'\n")
    git(repo, "commit", "-qam", "other")
    git(repo, "checkout", "-q", "main")
    (repo / "a.py").write_text("a = 'main'\n")
    git(repo, "commit", "-qam", "main")
    git(repo, "merge", "other", check=False)
    with pytest.raises(DialError) as err:
        Workspace.create(repo)
    assert "merge is in progress" in err.value.problem and "git merge --abort" in err.value.fix
    assert not (repo / ".dial" / "worktrees").exists()


def test_non_git_directory_gets_a_shadow_repo(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    (plain / "pkg").mkdir(parents=True)
    (plain / "pkg" / "m.py").write_text("m = 1\n")
    before = {p: p.read_bytes() for p in plain.rglob("*") if p.is_file()}
    ws = Workspace.create(plain)
    assert (ws.path / "pkg" / "m.py").read_text() == "m = 1\n"
    assert (plain / ".dial" / "shadow" / ".git").is_dir() and not (plain / ".git").exists()
    assert {p: p.read_bytes() for p in plain.rglob("*") if p.is_file() and ".dial" not in p.parts} == before
    assert not (ws.path / ".dial").exists()


def test_a_change_made_in_the_same_second_as_the_index_was_written_is_not_lost(tmp_path: Path) -> None:
    """Git's racy-clean rule: an entry whose mtime is not older than the index file is checked by content
    (git built without nanosecond stat compares whole seconds). The snapshot works on a copy of the index;
    a copy with a fresh mtime made such an entry look clean by stat and dropped the user's change (same
    size, same second): about 1 run in 40 of the submodule test above. Pinned here with fixed timestamps."""
    import os

    repo = make_repo(tmp_path / "r")
    git(repo, "config", "core.trustctime", "false")  # only mtime and size can tell
    target, index = repo / "a.py", repo / ".git" / "index"
    second = 1_000_000_000 * 10**9  # 2001-09-09, long before the index is written
    os.utime(target, ns=(second, second))
    git(repo, "update-index", "--refresh")  # the entry now records that mtime and the real size
    target.write_text("a = 7\n")  # the same size as the committed "a = 1\n"
    os.utime(target, ns=(second + 500_000_000, second + 500_000_000))
    os.utime(index, ns=(second + 900_000_000, second + 900_000_000))  # the index written in that same second
    ws = Workspace.create(repo)
    assert (ws.path / "a.py").read_text() == "a = 7\n"
    assert (repo / "a.py").read_text() == "a = 7\n"


def test_the_run_diff_sees_a_same_size_edit_from_the_same_second_as_the_index(tmp_path: Path) -> None:
    """The same racy-clean rule for the worktree's own diff (final.diff, test selection, changed files)."""
    import os

    repo = make_repo(tmp_path / "r")
    ws = Workspace.create(repo)
    git(ws.path, "config", "core.trustctime", "false")
    target = ws.path / "a.py"
    real_index = Path(git(ws.path, "rev-parse", "--git-path", "index").strip())
    real_index = real_index if real_index.is_absolute() else ws.path / real_index
    second = 1_000_000_000 * 10**9
    os.utime(target, ns=(second, second))
    git(ws.path, "update-index", "--refresh")
    target.write_text("a = 9\n")
    os.utime(target, ns=(second + 500_000_000, second + 500_000_000))
    os.utime(real_index, ns=(second + 900_000_000, second + 900_000_000))
    assert ws.changed_files() == ["a.py"]
    assert "+a = 9" in ws.diff()

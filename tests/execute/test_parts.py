"""Small pieces of the run's plumbing: index seeding and the diff spans that drive test selection."""

from __future__ import annotations

import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

import pytest

from agent.execute.parts import changed_spans, seed_index


def test_seed_copies_a_consistent_index_and_skips_a_broken_one(tmp_path: Path) -> None:
    repo, worktree = tmp_path / "repo", tmp_path / "wt"
    (repo / ".dial").mkdir(parents=True)
    worktree.mkdir()
    assert seed_index(repo, worktree) is False  # nothing to seed from
    con = sqlite3.connect(repo / ".dial" / "index.sqlite")
    con.execute("pragma journal_mode=wal")
    con.execute("create table files(path text)")
    con.execute("insert into files values ('a.py')")
    con.commit()  # left in the WAL, not yet checkpointed into the main file
    assert seed_index(repo, worktree) is True
    copy = sqlite3.connect(worktree / ".dial" / "index.sqlite")
    assert copy.execute("select path from files").fetchall() == [("a.py",)]
    con.close()
    copy.close()
    (repo / ".dial" / "index.sqlite").write_bytes(b"not a database at all" * 100)
    for extra in ("-wal", "-shm"):
        (repo / ".dial" / f"index.sqlite{extra}").unlink(missing_ok=True)
    assert seed_index(repo, worktree) is False
    assert not (worktree / ".dial" / "index.sqlite").exists()


def test_changed_spans_follow_the_new_side_of_each_hunk() -> None:
    diff = (
        "diff --git a/shop/money.py b/shop/money.py\n--- a/shop/money.py\n+++ b/shop/money.py\n"
        "@@ -3,7 +3,8 @@ def to_cents\n context\n"
        "diff --git a/new.py b/new.py\n--- /dev/null\n+++ b/new.py\n@@ -0,0 +1 @@\n+x = 1\n"
        "diff --git a/gone.py b/gone.py\n--- a/gone.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n-y\n"
    )
    assert changed_spans(diff) == [("shop/money.py", 3, 10), ("new.py", 1, 1)]


def test_a_seeded_worktree_plans_with_the_checkouts_fitted_bm25_models(tmp_path: Path) -> None:
    from agent.index import RepoIndex
    from agent.plan import TaskInput
    from agent.plan.localize import IndexView, localise
    from tests.e2e.sample import git, make_repo

    repo = make_repo(tmp_path)
    task = TaskInput(text="to_cents rounds half a cent down")

    def plan(root: Path) -> tuple[list[str], str]:
        with RepoIndex.open(root) as idx:
            idx.update(progress=False)
            view = IndexView(idx)
            return [s.symbol for s in localise(idx, task, repo=root, view=view).sites], view.cache_state

    first, state = plan(repo)
    assert state == "saved"
    worktree = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", str(worktree))
    assert seed_index(repo, worktree) is True
    shared, original = worktree / ".dial" / "plan-bm25.npz", repo / ".dial" / "plan-bm25.npz"
    assert shared.stat().st_ino == original.stat().st_ino  # linked, not copied: same file system
    assert plan(worktree) == (first, "loaded")
    before = original.read_bytes()
    (worktree / "shop" / "money.py").write_text((worktree / "shop" / "money.py").read_text() + "\ndef later():\n    pass\n")
    assert plan(worktree)[1] == "saved"  # the worktree refits its own models ...
    assert shared.stat().st_ino != original.stat().st_ino
    assert original.read_bytes() == before  # ... and the checkout's file is untouched
    assert plan(repo) == (first, "loaded")


def _repo_with_caches(repo: Path) -> None:
    (repo / ".dial").mkdir(parents=True)
    with closing(sqlite3.connect(repo / ".dial" / "index.sqlite")) as con:
        con.execute("create table files(path text)")
        con.commit()
    (repo / ".dial" / "graph.npz").write_bytes(b"graph")
    (repo / ".dial" / "plan-bm25.npz").write_bytes(b"models")


def test_seeding_copies_the_caches_across_file_systems(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs a second file system (/dev/shm) for the link to be refused")
    repo = tmp_path / "repo"
    _repo_with_caches(repo)
    with tempfile.TemporaryDirectory(dir=shm) as other:
        worktree = Path(other)
        assert seed_index(repo, worktree) is True  # os.link fails with EXDEV: copied instead
        copied = worktree / ".dial" / "plan-bm25.npz"
        assert copied.read_bytes() == b"models" and copied.stat().st_nlink == 1
        assert (worktree / ".dial" / "graph.npz").read_bytes() == b"graph"


def test_seeding_leaves_a_cache_it_can_neither_link_nor_copy(tmp_path: Path) -> None:
    repo, worktree = tmp_path / "repo", tmp_path / "wt"
    _repo_with_caches(repo)
    (worktree / ".dial" / "plan-bm25.npz").mkdir(parents=True)  # a directory where the file should go
    assert seed_index(repo, worktree) is True
    assert (worktree / ".dial" / "graph.npz").stat().st_ino == (repo / ".dial" / "graph.npz").stat().st_ino
    assert (worktree / ".dial" / "plan-bm25.npz").is_dir()  # left alone; the run fits its own models

"""The cold build's multi-row INSERTs (bulk.py) must store exactly what one-row inserts store.

Why pinned with ids and rowids: the bulk path computes symbol ids, parent ids and enclosing ids from a base
bound once per statement, and the ranking reads edges in rowid order; an off-by-one or a reordered chunk
would still give a plausible index, just a wrong one.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from agent.index import store
from agent.index.coldbuild import cold_build
from agent.index.extract import parse_job
from agent.index.files import discover
from agent.index.updater import Updater
from tests.index.helpers import make_repo


def _files() -> dict[str, str]:
    files = {}
    for i in range(70):  # more than one chunk of rows per file, and enough files for the process pool
        methods = "".join(f"    def m{j}(self, x):\n        return self.m{(j + 1) % 40}(x) + helper{i % 7}(x)\n\n"
                          for j in range(40))
        files[f"pkg/mod{i}.py"] = (f"from pkg.mod{(i + 1) % 70} import C{(i + 1) % 70} as Other\n"
                                   f"from . import mod{(i + 2) % 70}\n\n\n"
                                   f"def helper{i % 7}(x):\n    '''Help.'''\n    return Other().m0(x)\n\n\n"
                                   f"class C{i}(Other):\n    \"\"\"\n    Class {i}.\n    \"\"\"\n\n{methods}")
    files["web/app.js"] = "// App.\nfunction start(x) {\n  return helper(x).then(render);\n}\nclass View { render() { start(1); } }\n"
    return files


def _db(path: Path) -> sqlite3.Connection:
    con = store.connect(path)
    store.init_schema(con)
    return con


def _tables(con: sqlite3.Connection) -> dict[str, list[tuple]]:
    return {t: con.execute(f"SELECT rowid, * FROM {t} ORDER BY rowid").fetchall()
            for t in ("files", "symbols", "refs", "edges")}


def test_bulk_rows_equal_one_row_inserts(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", files=_files())
    cands = discover(repo, [], 1_000_000).candidates
    bulk = _db(tmp_path / "bulk.sqlite")
    assert cold_build(bulk, repo, cands, None) == len(cands)
    # the same files through the incremental path, one row per INSERT, numbered in the cold build's job order
    rows = _db(tmp_path / "rows.sqlite")
    rows.execute("BEGIN IMMEDIATE")
    up = Updater(rows, repo)
    for cand in sorted(cands, key=lambda c: -c.size):
        path, status, payload = parse_job((str(repo), cand.path, cand.language, None))
        assert status == "ok", path
        up.store(cand, *payload)
    up.relink()
    rows.execute("COMMIT")
    got, want = _tables(bulk), _tables(rows)
    assert len(got["symbols"]) > 70 * 40 and len(got["refs"]) > 70 * 80 and len(got["edges"]) > 70 * 40
    for table in want:
        assert got[table] == want[table], table
    # the build ran under a rollback journal when it could, and leaves the file in WAL mode
    assert bulk.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

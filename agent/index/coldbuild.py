"""The cold build: parse in a process pool while this process bulk-loads rows, then resolve and index in parallel.

Why a separate path from `Updater`: an empty index needs no id reuse and no targeted re-linking, so rows go
in with the fewest Python steps (refs are bound in the column order the workers produce them; no reshaped
tuples), definitions and uses stay in memory for resolution instead of being read back, and the serial tail
after parsing runs on two threads: SQLite builds the symbol and reference indexes (it releases the GIL)
while this thread resolves references into edges. Ids are deterministic: files and definitions are numbered
in job order (biggest file first). (Workers writing SQLite shards merged with `INSERT ... SELECT` was tried:
writing a shard costs a worker more CPU than pickling the rows, so on a 2-core machine it was slower.)
"""

from __future__ import annotations

import gc
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from agent.index import store
from agent.index.files import Candidate
from agent.index.languages import is_test_path
from agent.index.resolve import Resolver, edges_for_uses
from agent.index.updater import _run_jobs

_FILES = "INSERT INTO files(id, path, language, mtime_ns, size, hash, is_test, skip, errors) VALUES(?,?,?,?,?,?,?,?,?)"


def cold_build(con: sqlite3.Connection, root: Path, cands: list[Candidate], progress: Callable[[int], None] | None) -> int:
    """Index every candidate into an empty database in one write transaction; return the files parsed.

    The cyclic garbage collector is off meanwhile (the forked workers inherit that): the build allocates
    millions of acyclic tuples, and full collections kept re-walking them for ~10% of this process's CPU.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(con, root, cands, progress)
    finally:
        if enabled:
            gc.enable()


def _build(con: sqlite3.Connection, root: Path, cands: list[Candidate], progress: Callable[[int], None] | None) -> int:
    jobs = [(str(root), c.path, c.language, None) for c in cands]
    by_path = {c.path: c for c in cands}
    con.execute("BEGIN IMMEDIATE")
    try:
        store.drop_indexes(con)
        fid = (con.execute("SELECT MAX(id) FROM files").fetchone()[0] or 0) + 1
        sid = (con.execute("SELECT MAX(id) FROM symbols").fetchone()[0] or 0) + 1
        resolver = Resolver()  # filled as files arrive, so little of it is left for after the last parse
        uses_all: list[tuple[int, list[tuple[int, str, str, int]]]] = []
        parsed = 0
        for path, status, payload in _run_jobs(jobs, progress):
            cand = by_path[path]
            if status == "ok":
                digest, defs, refs, uses, errors = payload
                skip = None
                base = sid
                sid += len(defs)
                con.executemany("INSERT INTO symbols VALUES(?,?,?,?,?,?,?,?,?,?)",
                                [(base + i, fid, *d[:7], base + d[7] if d[7] >= 0 else None) for i, d in enumerate(defs)])
                # rows come as (name, line, kind, enclosing index, hint, tname): bind them as they are
                con.executemany(f"INSERT INTO refs(name, line, kind, enclosing_id, hint, tname, file_id) "
                                f"VALUES(?,?,?,?+{base},?,?,{fid})", refs)
                resolver.add([(base + i, d[0], d[1], d[2], fid) for i, d in enumerate(defs)])
                uses_all.append((fid, [(base + e, t, h, c) for e, t, h, c in uses]))
                parsed += 1
            elif status == "skip":
                digest, skip, errors = payload[0], payload[1], 0
            else:  # unreadable ("same" cannot happen: an empty index has no old hashes)
                digest, skip, errors = "", "unreadable", 0
            con.execute(_FILES, (fid, path, cand.language, cand.mtime_ns, cand.size, digest, int(is_test_path(path)),
                                 skip, errors))
            fid += 1
        indexer = _Indexer(con)
        indexer.start()
        try:
            edges = [(s, d, w, f) for f, uses in uses_all for s, d, w in edges_for_uses(resolver, f, uses)]
        finally:
            indexer.join()
        if indexer.error is not None:
            raise indexer.error
        con.executemany("INSERT INTO edges VALUES(?,?,?,?)", edges)
        store.create_indexes(con)
        store.bump_generation(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return parsed


class _Indexer(threading.Thread):
    """Build the symbol and reference indexes while the caller's thread resolves edges (SQLite drops the GIL)."""

    def __init__(self, con: sqlite3.Connection) -> None:
        super().__init__(daemon=True)
        self.con = con
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            store.create_indexes(self.con, edges=False)
        except BaseException as exc:  # re-raised in the caller's thread
            self.error = exc

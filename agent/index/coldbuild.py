"""The cold build: parse in a process pool while this process bulk-loads rows, then resolve and index in parallel.

Why a separate path from `Updater`: an empty index needs no id reuse and no targeted re-linking, so rows go
in with the fewest Python steps (workers hand over symbol and reference rows already laid out as multi-row
INSERT chunks, see bulk.py), definitions and uses stay in memory for resolution instead of being read back,
and the serial tail after parsing runs on two threads: SQLite builds the symbol and reference indexes (it
releases the GIL) while this thread resolves references into edges. The two by-file indexes are kept up
while loading instead (rows arrive in file order), and the build runs under a rollback journal when it can
(`_rollback_journal`). Ids are deterministic: files and definitions are numbered in job order (biggest file
first). (Workers writing SQLite shards merged with `INSERT ... SELECT` was tried: writing a shard costs a
worker more CPU than pickling the rows, so on a 2-core machine it was slower.)
"""

from __future__ import annotations

import gc
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from agent.index import bulk, store
from agent.index.bulk import bulk_job
from agent.index.files import Candidate
from agent.index.languages import is_test_path
from agent.index.resolve import Resolver, edge_values
from agent.index.updater import _run_jobs

_FILES = "INSERT INTO files(id, path, language, mtime_ns, size, hash, is_test, skip, errors) VALUES(?,?,?,?,?,?,?,?,?)"


def cold_build(con: sqlite3.Connection, root: Path, cands: list[Candidate], progress: Callable[[int], None] | None) -> int:
    """Index every candidate into an empty database in one write transaction; return the files parsed.

    The cyclic garbage collector is off meanwhile (the forked workers inherit that): the build allocates
    millions of acyclic tuples, and full collections kept re-walking them for ~10% of this process's CPU.
    """
    enabled = gc.isenabled()
    gc.disable()
    journal = _rollback_journal(con)
    try:
        return _build(con, root, cands, progress)
    finally:
        if journal:
            try:
                con.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError:
                pass  # another process holds it right now; its own connect() switches it back to WAL
        if enabled:
            gc.enable()


def _rollback_journal(con: sqlite3.Connection) -> bool:
    """Build with a rollback journal instead of the WAL when no other connection has the file open.

    An empty index has nothing to journal (new pages past the file's end are not copied), so the commit
    writes each page once, into the database, instead of into the WAL and again at the checkpoint: 0.1 s
    less on django. It stays atomic (a crash leaves a hot journal that the next open rolls back). Leaving
    WAL needs the file to ourselves: with another connection open this fails at once and the build keeps
    the WAL. (Readers that open the file meanwhile wait for the commit instead of reading an empty index.)
    """
    con.execute("PRAGMA busy_timeout=0")
    try:
        return str(con.execute("PRAGMA journal_mode=DELETE").fetchone()[0]).lower() == "delete"
    except sqlite3.OperationalError:
        return False
    finally:
        con.execute("PRAGMA busy_timeout=60000")


def _build(con: sqlite3.Connection, root: Path, cands: list[Candidate], progress: Callable[[int], None] | None) -> int:
    jobs = [(str(root), c.path, c.language, None) for c in cands]
    by_path = {c.path: c for c in cands}
    con.execute("BEGIN IMMEDIATE")
    try:
        store.drop_indexes(con)
        # rows arrive in file order, so these two grow at their ends: kept up while loading, they cost less than
        # building them after the last file, when they would delay the edges
        store.create_indexes(con, only=("symbols_file", "refs_file"))
        fid = (con.execute("SELECT MAX(id) FROM files").fetchone()[0] or 0) + 1
        sid = (con.execute("SELECT MAX(id) FROM symbols").fetchone()[0] or 0) + 1
        resolver = Resolver()  # filled as files arrive, so little of it is left for after the last parse
        uses_all: list[tuple[int, int, dict[tuple[int, str, str], int]]] = []
        parsed = 0
        for path, status, payload in _run_jobs(jobs, progress, bulk_job, {c.path: c.size for c in cands}):
            cand = by_path[path]
            if status == "ok":
                digest, sym_chunks, sym_rest, ref_chunks, ref_rest, n_defs, keys, uses, errors = payload
                skip = None
                head = (fid, sid)
                bulk.insert(con, bulk.symbols_sql, head, sym_chunks, sym_rest, bulk.SYMBOL_WIDTH)
                bulk.insert(con, bulk.refs_sql, head, ref_chunks, ref_rest, bulk.REF_WIDTH)
                resolver.add_file(fid, sid, keys)
                uses_all.append((fid, sid, uses))
                sid += n_defs
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
            chunks, rest = bulk.chunked(edge_values(resolver, uses_all), bulk.EDGE_WIDTH, bulk.EDGE_CHUNK)
        finally:
            indexer.join()
        if indexer.error is not None:
            raise indexer.error
        bulk.insert(con, bulk.edges_sql, (), chunks, rest, bulk.EDGE_WIDTH, bulk.EDGE_CHUNK)
        # freeing the resolver and the uses (millions of objects, ~40 ms) overlaps the edge indexes and the
        # commit, which run in SQLite without the GIL, instead of following them
        _free_meanwhile([uses_all, chunks, resolver])
        del uses_all, chunks, rest, resolver
        store.create_indexes(con)
        store.bump_generation(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return parsed


def _free_meanwhile(garbage: list[object]) -> None:
    """Drop the last references to `garbage` on a thread, piece by piece (lists, dicts, an object's lists and
    dicts), so the caller gets the GIL back whenever it returns from SQLite."""

    def drop() -> None:
        while garbage:
            item = garbage.pop()
            if isinstance(item, list):
                while item:
                    item.pop()
            elif isinstance(item, dict):
                while item:
                    item.popitem()
            elif hasattr(item, "__dict__"):
                garbage.extend(v for v in vars(item).values() if isinstance(v, (list, dict)))

    threading.Thread(target=drop, daemon=True).start()


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

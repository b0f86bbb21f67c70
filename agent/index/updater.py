"""Bring the database in line with the working tree: re-parse what changed, drop what is gone, re-link.

Fast path first: a stat (mtime + size) of every candidate compared with one read of the files table; only
files that differ are read and hashed, and only files whose hash differs are parsed. Symbol ids are kept
stable across re-parses (matched by qualified name and kind), so edges other files hold into an edited file
stay valid; only uses of names whose definitions appeared or vanished are re-resolved.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from agent.index.extract import DefRow, parse_job
from agent.index.files import Candidate
from agent.index.resolve import Resolver, edges_for_uses
from agent.index.languages import is_test_path, module_name

POOL_THRESHOLD = 48


def _run_jobs(jobs: list[tuple[str, str, str, str | None]], progress: Callable[[int], None] | None,
              work: Callable[[tuple[str, str, str, str | None]], tuple[str, str, Any]] = parse_job,
              sizes: dict[str, int] | None = None) -> Iterator[tuple[str, str, Any]]:
    """Parse in a process pool using every core when there is enough work, in-process otherwise.

    `work` is the worker function (`extract.parse_job`, or `bulk.bulk_job` for a cold build); `sizes` are the
    files' sizes from discovery when the caller has them (else each file is stat-ed again to order the jobs).
    """
    workers = os.cpu_count() or 1
    if len(jobs) < POOL_THRESHOLD or workers == 1:
        for job in jobs:
            yield work(job)
            if progress:
                progress(1)
        return
    # biggest first so one large file does not finish alone at the end
    jobs = sorted(jobs, key=lambda j: -sizes[j[1]]) if sizes is not None else sorted(jobs, key=lambda j: -_size(j))
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor  # imported here: the warm path never needs it

    ctx = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        for result in pool.map(work, jobs, chunksize=max(1, min(16, len(jobs) // (workers * 16)))):
            yield result
            if progress:
                progress(1)


def _size(job: tuple[str, str, str, str | None]) -> int:
    try:
        return os.path.getsize(os.path.join(job[0], job[1]))
    except OSError:
        return 0


class Updater:
    """One update pass inside one write transaction."""

    def __init__(self, con: sqlite3.Connection, root: Path) -> None:
        self.con = con
        self.root = root
        self.next_id = (con.execute("SELECT MAX(id) FROM symbols").fetchone()[0] or 0) + 1
        self.changed_names: set[str] = set()
        self.relink_files: set[int] = set()
        self.removed_ids: list[int] = []
        self.uses: dict[int, list[tuple[int, str, str, int]]] = {}
        self.reparsed = 0
        self.cold = self.is_empty(con)

    @staticmethod
    def is_empty(con: sqlite3.Connection) -> bool:
        """Nothing indexed yet: a cold build (bulk load, indexes built afterwards)."""
        return con.execute("SELECT EXISTS(SELECT 1 FROM files) OR EXISTS(SELECT 1 FROM symbols)").fetchone()[0] == 0

    def file_id(self, cand: Candidate, digest: str, skip: str | None, errors: int) -> int:
        row = None if self.cold else self.con.execute("SELECT id FROM files WHERE path=?", (cand.path,)).fetchone()
        values = (cand.language, cand.mtime_ns, cand.size, digest, int(is_test_path(cand.path)), skip, errors)
        if row:
            self.con.execute(
                "UPDATE files SET language=?, mtime_ns=?, size=?, hash=?, is_test=?, skip=?, errors=? WHERE id=?",
                (*values, row[0]),
            )
            return int(row[0])
        cur = self.con.execute(
            "INSERT INTO files(path, language, mtime_ns, size, hash, is_test, skip, errors) VALUES(?,?,?,?,?,?,?,?)",
            (cand.path, *values),
        )
        return int(cur.lastrowid or 0)

    def touch(self, cand: Candidate) -> None:
        self.con.execute("UPDATE files SET mtime_ns=?, size=? WHERE path=?", (cand.mtime_ns, cand.size, cand.path))

    def clear_file(self, fid: int) -> dict[tuple[str, str, int], int]:
        """Drop a file's refs and outgoing edges; return its old symbols keyed for id reuse."""
        old: dict[tuple[str, str, int], int] = {}
        seen: Counter[tuple[str, str]] = Counter()
        if not self.cold:
            for sid, qual, kind in self.con.execute("SELECT id, qualname, kind FROM symbols WHERE file_id=? ORDER BY id", (fid,)):
                seen[(qual, kind)] += 1
                old[(qual, kind, seen[(qual, kind)])] = sid
            self.con.execute("DELETE FROM symbols WHERE file_id=?", (fid,))
            self.con.execute("DELETE FROM refs WHERE file_id=?", (fid,))
            self.con.execute("DELETE FROM edges WHERE file_id=?", (fid,))
        return old

    def store(self, cand: Candidate, digest: str, defs: list[DefRow], refs: list[tuple], uses: list[tuple], errors: int) -> None:
        """Write one parsed file: symbols (reusing ids of unchanged definitions), references, and its uses."""
        fid = self.file_id(cand, digest, None, errors)
        old = self.clear_file(fid)
        ids: list[int] = []
        rows = []
        if old:
            seen: Counter[tuple[str, str]] = Counter()
            for name, qual, kind, *_ in defs:
                seen[(qual, kind)] += 1
                sid = old.pop((qual, kind, seen[(qual, kind)]), None)
                if sid is None:
                    sid = self.next_id
                    self.next_id += 1
                    self.changed_names.add(name)
                ids.append(sid)
            self._forget(old.values(), old.keys())
        else:
            ids = list(range(self.next_id, self.next_id + len(defs)))
            self.next_id += len(defs)
            if not self.cold:
                self.changed_names.update(d[0] for d in defs)
        rows = [(ids[i], fid, *d[:7], ids[d[7]] if d[7] >= 0 else None) for i, d in enumerate(defs)]
        self.con.executemany("INSERT INTO symbols VALUES(?,?,?,?,?,?,?,?,?,?)", rows)
        self.con.executemany(
            "INSERT INTO refs VALUES(?,?,?,?,?,?,?)", [(fid, n, t, line, k, ids[e], h) for n, line, k, e, h, t in refs]
        )
        self.uses[fid] = [(ids[e], t, h, c) for e, t, h, c in uses]
        self.reparsed += 1

    def _forget(self, ids: Iterable[int], keys: Iterable[tuple[str, str, int]]) -> None:
        ids = list(ids)
        if not ids:
            return
        self.removed_ids.extend(ids)
        self.changed_names.update(k[0].rsplit(".", 1)[-1] for k in keys)

    def skip(self, cand: Candidate, digest: str, reason: str) -> None:
        fid = self.file_id(cand, digest, reason, 0)
        self.drop_symbols(fid)

    def drop_symbols(self, fid: int) -> None:
        rows = self.con.execute("SELECT id, name FROM symbols WHERE file_id=?", (fid,)).fetchall()
        self.removed_ids.extend(r[0] for r in rows)
        self.changed_names.update(r[1] for r in rows)
        for table in ("symbols", "refs", "edges"):
            self.con.execute(f"DELETE FROM {table} WHERE file_id=?", (fid,))

    def delete(self, path: str) -> None:
        row = self.con.execute("SELECT id FROM files WHERE path=?", (path,)).fetchone()
        if row:
            self.drop_symbols(row[0])
            self.con.execute("DELETE FROM files WHERE id=?", (row[0],))

    def relink(self) -> None:
        """Recompute edges of changed files and of files using names whose definitions changed."""
        con = self.con
        if self.removed_ids:
            con.execute("CREATE TEMP TABLE IF NOT EXISTS gone(id INTEGER PRIMARY KEY)")
            con.execute("DELETE FROM gone")
            con.executemany("INSERT OR IGNORE INTO gone VALUES(?)", ((i,) for i in self.removed_ids))
            con.execute("DELETE FROM edges WHERE dst IN (SELECT id FROM gone)")
        targets = set(self.uses)
        if not self.cold and self.changed_names:
            con.execute("CREATE TEMP TABLE IF NOT EXISTS changed(name TEXT PRIMARY KEY)")
            con.execute("DELETE FROM changed")
            con.executemany("INSERT OR IGNORE INTO changed VALUES(?)", ((n,) for n in self.changed_names))
            others = {r[0] for r in con.execute("SELECT DISTINCT file_id FROM refs WHERE tname IN (SELECT name FROM changed)")}
            for fid in others - targets:
                con.execute("DELETE FROM edges WHERE file_id=?", (fid,))
                self.uses[fid] = [
                    (s, t, h or "", c)
                    for s, t, h, c in con.execute(
                        "SELECT enclosing_id, tname, hint, COUNT(*) FROM refs WHERE file_id=? GROUP BY 1,2,3", (fid,)
                    )
                ]
        if not self.uses:
            return
        resolver = Resolver(self._candidates(), self._roots())
        for fid, uses in self.uses.items():
            edges = edges_for_uses(resolver, fid, uses)
            con.executemany("INSERT INTO edges VALUES(?,?,?,?)", ((s, d, w, fid) for s, d, w in edges))

    def _candidates(self) -> Iterable[tuple[int, str, str, str, int]]:
        """Definitions the pending uses could resolve to: all of them on a cold build, else only those named."""
        cols = "s.id, s.name, s.qualname, s.kind, s.file_id"
        if self.cold:
            return self.con.execute(f"SELECT {cols} FROM symbols s")
        con = self.con
        names = {t for uses in self.uses.values() for _, t, _, _ in uses}
        quals = {h for uses in self.uses.values() for _, _, h, _ in uses if h}
        con.execute("CREATE TEMP TABLE IF NOT EXISTS want_name(name TEXT PRIMARY KEY)")
        con.execute("CREATE TEMP TABLE IF NOT EXISTS want_qual(q TEXT PRIMARY KEY)")
        con.execute("DELETE FROM want_name")
        con.execute("DELETE FROM want_qual")
        con.executemany("INSERT OR IGNORE INTO want_name VALUES(?)", ((n,) for n in names))
        con.executemany("INSERT OR IGNORE INTO want_qual VALUES(?)", ((q,) for q in quals))
        return con.execute(
            f"SELECT {cols} FROM want_name w JOIN symbols s ON s.name = w.name COLLATE NOCASE AND s.name = w.name "
            f"UNION SELECT {cols} FROM want_qual w JOIN symbols s ON s.qualname = w.q"
        )

    def _roots(self) -> set[str] | None:
        """Top-level package names of the repo, from file paths (cheaper than scanning symbols)."""
        if self.cold:
            return None
        return {
            module_name(path, lang).split(".", 1)[0]
            for path, lang in self.con.execute("SELECT path, language FROM files WHERE skip IS NULL")
        }

"""`RepoIndex`: open, update and query the index of one repository.

The planner and the model's tools code against this class; it hides SQLite and tree-sitter. Opening never
builds anything; `update()` brings it up to date (cheaply when nothing changed).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from agent.errors import DialError
from agent.index import store
from agent.index.files import VENDORED, Candidate, discover
from agent.index.languages import is_test_path, language_for
from agent.index.types import IndexStats, Reference, RepoMap, Symbol, estimate_tokens
from agent.index.updater import POOL_THRESHOLD, Updater, _run_jobs

if TYPE_CHECKING:
    from agent.config import IndexSettings
    from agent.index.seeds import Seeds

_SYMBOL_COLUMNS = ("s.id, s.name, s.qualname, s.kind, f.path, f.language, s.start_line, s.end_line, s.signature, s.doc")
_SYMBOL_FROM = "FROM symbols s JOIN files f ON f.id = s.file_id"


def _symbol(row: tuple) -> Symbol:
    return Symbol(*row[:8], signature=row[8] or "", doc=row[9] or "")


class RepoIndex:
    """The symbol index of one repository, stored in `<repo>/.dial/index.sqlite`."""

    def __init__(self, repo: Path, config: "IndexSettings | None", con: sqlite3.Connection, messages: list[str]) -> None:
        self.repo = repo
        # defaults mirror IndexSettings; pydantic is only imported when there is a config to read
        self.exclude: list[str] = list(config.exclude) if config else []
        self.max_file_bytes: int = config.max_file_bytes if config else 1_000_000
        self.con = con
        self.messages = messages  # things the user should hear (e.g. "rebuilt a corrupt index")
        self._graph_cache: tuple[str, object] | None = None

    @classmethod
    def open(cls, repo: Path, config: "IndexSettings | None" = None) -> "RepoIndex":
        repo = Path(repo)
        if not repo.exists():
            raise DialError(f"{repo} does not exist", "pass an existing repository directory with --repo")
        if not repo.is_dir():
            raise DialError(f"{repo} is not a directory", "pass the repository's root directory with --repo")
        repo = repo.resolve()
        if not os.access(repo, os.R_OK | os.X_OK):
            raise DialError(f"cannot read the directory {repo}", f"check the permissions of {repo}")
        try:
            store.dial_dir(repo).mkdir(exist_ok=True)
        except OSError as exc:
            raise DialError(f"cannot create {store.dial_dir(repo)}: {exc.strerror}", "make the repository writable") from exc
        store.ensure_excluded(repo)
        messages: list[str] = []
        path = store.db_path(repo)
        con = cls._connect_checked(repo, path, messages)
        return cls(repo, config, con, messages)

    @staticmethod
    def _connect_checked(repo: Path, path: Path, messages: list[str]) -> sqlite3.Connection:
        con, problem = _try_open(path)
        if problem is None and con is not None and store.has_schema(con):
            return con  # the common case: a good index, no lock taken (readers never wait for writers)
        if con is not None:
            con.close()
        # new, broken or old: decide again under the writer lock, since another dial process may be creating
        # or rebuilding this very file right now (deciding outside it let two processes delete each other's work)
        with store.writer_lock(repo):
            con, problem = _try_open(path)
            if problem is None and con is not None:
                if not store.has_schema(con):
                    store.init_schema(con)
                return con
            if con is not None:
                con.close()
            store.remove_db(path)
            messages.append(f"rebuilding the index at {path}: {problem}")
            con = store.connect(path)
            store.init_schema(con)
        return con

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "RepoIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- building -------------------------------------------------------------------------------------

    def update(self, progress: bool | None = None, meanwhile: Callable[[], None] | None = None) -> IndexStats:
        """Re-parse files whose content changed, drop deleted ones, re-link the graph; return the stats.
        `meanwhile` runs while git lists the files (a caller's own imports, say), unless a cold build needs
        that time to load the parsers."""
        started = time.perf_counter()
        with store.writer_lock(self.repo):
            # an empty index means a cold build in worker processes: they are forked from this one, so the
            # parser modules loaded here while git lists the files are loaded in each of them for free
            preload = _load_parsers if Updater.is_empty(self.con) else meanwhile
            found = discover(self.repo, self.exclude, self.max_file_bytes, preload)
            known = {r[0]: r[1:] for r in self.con.execute("SELECT path, mtime_ns, size, hash FROM files")}
            current = {c.path for c in found.candidates}
            deleted = [p for p in known if p not in current]
            todo = [c for c in found.candidates if c.path not in known or known[c.path][:2] != (c.mtime_ns, c.size)]
            reparsed = 0
            if todo or deleted:
                reparsed = self._apply(todo, deleted, {p: v[2] for p, v in known.items()}, progress)
            stats = self._stats(found.skipped, reparsed, changed=bool(todo or deleted))
        stats.seconds = time.perf_counter() - started
        if stats.files == 0 and not found.candidates:
            raise DialError(
                f"no supported source files in {self.repo}",
                "run dial in a repository with Python, JavaScript, TypeScript, Go, Rust, Java, C, C++ or Ruby code",
            )
        return stats

    def update_files(self, paths: list[str]) -> None:
        """Re-parse just these repo-relative paths (after an edit); paths that no longer exist are dropped."""
        cands: list[Candidate] = []
        deleted: list[str] = []
        for rel in paths:
            full = (self.repo / rel).resolve()
            try:
                rel = full.relative_to(self.repo).as_posix()
            except ValueError:
                continue  # outside the repository: not ours to index
            language = language_for(rel)
            if language is None:
                continue
            st = full.stat() if full.is_file() else None
            if st is None or st.st_size > self.max_file_bytes or any(p in VENDORED for p in rel.split("/")[:-1]):
                deleted.append(rel)  # gone, or no longer something we index
                continue
            cands.append(Candidate(rel, language, st.st_mtime_ns, st.st_size))
        if not cands and not deleted:
            return
        with store.writer_lock(self.repo):
            hashes = {r[0]: r[1] for r in self.con.execute("SELECT path, hash FROM files")}
            self._apply(cands, [d for d in deleted if d in hashes], hashes, None)
            self._stats({}, 0, changed=True)

    def _apply(self, todo: list[Candidate], deleted: list[str], hashes: dict[str, str], progress: bool | None) -> int:
        con = self.con
        jobs = [(str(self.repo), c.path, c.language, hashes.get(c.path)) for c in todo]
        by_path = {c.path: c for c in todo}
        show = sys.stderr.isatty() if progress is None else progress
        bar = _Progress(len(jobs)) if show and len(jobs) > 20 else None
        workers = os.cpu_count() or 1
        if not deleted and len(jobs) >= POOL_THRESHOLD and workers > 1 and Updater.is_empty(con):
            from agent.index.coldbuild import cold_build  # bulk load, then resolve while indexing; see coldbuild.py

            try:
                return cold_build(con, self.repo, todo, bar.advance if bar else None)
            finally:
                if bar:
                    bar.close()
        con.execute("BEGIN IMMEDIATE")
        try:
            up = Updater(con, self.repo)
            if up.cold:
                store.drop_indexes(con)
            for path, status, payload in _run_jobs(jobs, bar.advance if bar else None):
                cand = by_path[path]
                if status == "same":
                    up.touch(cand)
                elif status == "skip":
                    up.skip(cand, payload[0], payload[1])
                elif status == "unreadable":
                    up.skip(cand, "", "unreadable")
                else:
                    up.store(cand, *payload)
            for path in deleted:
                up.delete(path)
            up.relink()
            if up.cold:
                store.create_indexes(con)
            store.bump_generation(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            if bar:
                bar.close()
        return up.reparsed

    def _stats(self, skipped: dict[str, int], reparsed: int, changed: bool) -> IndexStats:
        con = self.con
        cached = con.execute("SELECT value FROM meta WHERE key='counts'").fetchone()
        if changed or cached is None:
            counts = {
                t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("symbols", "refs", "edges")
            }
            con.execute("INSERT OR REPLACE INTO meta VALUES('counts', ?)", (json.dumps(counts),))
        else:
            counts = json.loads(cached[0])
        languages = dict(con.execute("SELECT language, COUNT(*) FROM files WHERE skip IS NULL GROUP BY language ORDER BY 2 DESC"))
        skips = dict(skipped)
        for reason, n in con.execute("SELECT skip, COUNT(*) FROM files WHERE skip IS NOT NULL GROUP BY skip"):
            skips[reason] = skips.get(reason, 0) + n
        return IndexStats(
            files=sum(languages.values()), symbols=counts["symbols"], references=counts["refs"], edges=counts["edges"],
            languages=languages, reparsed=reparsed, skipped=dict(sorted(skips.items())),
        )

    # ---- lookups --------------------------------------------------------------------------------------

    def _symbols(self, where: str, args: Iterable[object] = ()) -> list[Symbol]:
        sql = f"SELECT {_SYMBOL_COLUMNS} {_SYMBOL_FROM} WHERE {where}"
        return [_symbol(r) for r in self.con.execute(sql, tuple(args))]

    def definitions(self, name: str) -> list[Symbol]:
        """Definitions by simple name, qualified name, or dotted suffix (`text.slugify`)."""
        if "." not in name:
            # `name = ? COLLATE NOCASE` lets SQLite use the one (case-insensitive) name index
            exact = "s.name = ? COLLATE NOCASE AND s.name = ?"
            found = self._symbols(f"{exact} AND s.kind != 'module' ORDER BY f.path, s.start_line", (name, name))
            return found or self._symbols(f"{exact} ORDER BY f.path", (name, name))
        last = name.rsplit(".", 1)[-1]
        exact = self._symbols("s.qualname = ? ORDER BY f.path, s.start_line", (name,))
        if exact:
            return exact
        return self._symbols(
            "s.name = ? COLLATE NOCASE AND s.name = ? AND s.qualname LIKE ? ESCAPE '\\' ORDER BY f.path, s.start_line",
            (last, last, "%." + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")),
        )

    def references(self, name: str) -> list[Reference]:
        """Uses of a name; a qualified name keeps only uses resolved to it or unresolved uses of its last part."""
        sql = "SELECT r.name, f.path, r.line, r.kind, r.enclosing_id FROM refs r JOIN files f ON f.id = r.file_id WHERE "
        if "." not in name:
            rows = self.con.execute(
                sql + "r.rowid IN (SELECT rowid FROM refs WHERE tname = ? UNION SELECT rowid FROM refs WHERE name = ?) "
                "ORDER BY f.path, r.line", (name, name))
        else:
            last = name.rsplit(".", 1)[-1]
            rows = self.con.execute(
                sql + "r.tname = ? AND (r.hint = '' OR r.hint = ? OR r.hint LIKE ?) ORDER BY f.path, r.line",
                (last, name, "%." + name),
            )
        return [Reference(*r) for r in rows]

    def all_symbols(self) -> Iterator[Symbol]:
        cur = self.con.execute(f"SELECT {_SYMBOL_COLUMNS} {_SYMBOL_FROM} ORDER BY f.path, s.start_line")
        for row in cur:
            yield _symbol(row)

    def symbols_in_file(self, path: str) -> list[Symbol]:
        return self._symbols("f.path = ? ORDER BY s.start_line, s.id", (path,))

    def symbol_at(self, path: str, line: int) -> Symbol | None:
        """The innermost definition spanning `line` (the module symbol when no other does)."""
        found = self._symbols(
            "f.path = ? AND s.start_line <= ? AND s.end_line >= ? ORDER BY (s.end_line - s.start_line), s.id DESC LIMIT 1",
            (path, line, line),
        )
        return found[0] if found else None

    def symbol_by_id(self, symbol_id: int) -> Symbol | None:
        found = self._symbols("s.id = ?", (symbol_id,))
        return found[0] if found else None

    def symbols_by_ids(self, ids: Iterable[int]) -> dict[int, Symbol]:
        ids = list(ids)
        out: dict[int, Symbol] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            for s in self._symbols(f"s.id IN ({','.join('?' * len(chunk))})", chunk):
                out[s.id] = s
        return out

    def parents(self, ids: Iterable[int]) -> dict[int, int | None]:
        ids = list(ids)
        out: dict[int, int | None] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            out.update(self.con.execute(f"SELECT id, parent_id FROM symbols WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        return out

    def _neighbours(self, sql: str, symbol_id: int) -> list[tuple[Symbol, float]]:
        rows = self.con.execute(sql, (symbol_id,)).fetchall()
        syms = self.symbols_by_ids(r[0] for r in rows)
        return sorted(((syms[i], w) for i, w in rows if i in syms), key=lambda t: (-t[1], t[0].path, t[0].start_line))

    def callers(self, symbol_id: int) -> list[tuple[Symbol, float]]:
        """Symbols that use this one, with the summed edge weight (1.0 per certain use)."""
        return self._neighbours("SELECT src, SUM(weight) FROM edges WHERE dst = ? GROUP BY src", symbol_id)

    def callees(self, symbol_id: int) -> list[tuple[Symbol, float]]:
        return self._neighbours("SELECT dst, SUM(weight) FROM edges WHERE src = ? GROUP BY dst", symbol_id)

    def fan_in(self, symbol_id: int) -> int:
        return int(self.con.execute("SELECT COUNT(DISTINCT src) FROM edges WHERE dst = ?", (symbol_id,)).fetchone()[0])

    def fan_out(self, symbol_id: int) -> int:
        return int(self.con.execute("SELECT COUNT(DISTINCT dst) FROM edges WHERE src = ?", (symbol_id,)).fetchone()[0])

    def file_edges(self, path: str) -> list[tuple[str, float]]:
        """Files this file uses (file -> file edges), heaviest first."""
        rows = self.con.execute(
            "SELECT f2.path, SUM(e.weight) FROM edges e JOIN files f1 ON f1.id = e.file_id "
            "JOIN symbols s ON s.id = e.dst JOIN files f2 ON f2.id = s.file_id "
            "WHERE f1.path = ? AND f2.id != f1.id GROUP BY f2.path ORDER BY 2 DESC",
            (path,),
        )
        return [(p, w) for p, w in rows]

    def tests_for_symbols(self, symbol_ids: Iterable[int]) -> list[str]:
        """Test files whose code uses any of these symbols (test -> code edges)."""
        ids = list(symbol_ids)
        found: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            found.update(r[0] for r in self.con.execute(
                f"SELECT DISTINCT f.path FROM edges e JOIN files f ON f.id = e.file_id "
                f"WHERE e.dst IN ({','.join('?' * len(chunk))}) AND f.is_test = 1", chunk))
        return sorted(found)

    def is_test_file(self, path: str) -> bool:
        return is_test_path(path)

    def files(self) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT path FROM files WHERE skip IS NULL ORDER BY path")]

    def generation(self) -> str:
        return str(self.con.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0])

    # ---- ranking and the map (see ranking.py / repomap.py) ----------------------------------------------

    def rank(self, seeds: "Seeds", limit: int = 200) -> list[tuple[Symbol, float]]:
        from agent.index.ranking import rank

        return rank(self, seeds, limit)

    def repo_map(
        self,
        query: str = "",
        tokens: int = 1024,
        *,
        seeds: "Seeds | None" = None,
        count_tokens: Callable[[str], int] = estimate_tokens,
    ) -> RepoMap:
        from agent.index.repomap import build_map
        from agent.index.seeds import Seeds

        return build_map(self, seeds or Seeds.from_task(query), tokens, count_tokens)


def _try_open(path: Path) -> tuple[sqlite3.Connection | None, str | None]:
    """(connection, why it cannot be used); a briefly locked file (another process switching it to WAL) is retried."""
    for attempt in range(50):
        con = None
        try:
            con = store.connect(path)
            return con, store.schema_problem(con)
        except sqlite3.OperationalError as exc:
            if con is not None:
                con.close()
            if "locked" not in str(exc) or attempt == 49:
                return None, f"it is not a readable SQLite database ({exc})"
            time.sleep(0.1)
        except sqlite3.DatabaseError as exc:
            if con is not None:
                con.close()
            return None, f"it is not a readable SQLite database ({exc})"
    return None, "it stayed locked"  # not reached: the loop returns on its last attempt


def _load_parsers() -> None:
    """Run while git lists the files of a cold build: the pool's workers are forked from this process after
    discovery, so what is loaded here they have from the start (~20 ms each otherwise): the parser modules,
    and Python's parser and query, the language dial meets most (others are built in the workers)."""
    from agent.index.coldbuild import cold_build  # noqa: F401
    from agent.index.extract import _tools
    from agent.index.python_imports import python_rows  # noqa: F401

    _tools("python")


class _Progress:
    """A rich progress bar on stderr (only used when stderr is a terminal)."""

    def __init__(self, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self._bar = Progress("indexing", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True)
        self._bar.start()
        self._task = self._bar.add_task("index", total=total)

    def advance(self, n: int) -> None:
        self._bar.advance(self._task, n)

    def close(self) -> None:
        self._bar.stop()


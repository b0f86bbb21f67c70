"""The SQLite file behind the index: schema, versioning, recovery from corruption, and the writer lock.

WAL mode lets readers (map queries, the model's tools) run while one process writes; an `flock` on
`.dial/index.lock` serialises writers, so two `dial index` runs at once take turns instead of corrupting
the file. A file that is not a database or has an older schema is deleted and rebuilt with a message.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA_VERSION = "7"  # bump when the schema or what extraction produces changes

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files(
  id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, language TEXT, mtime_ns INTEGER, size INTEGER,
  hash TEXT, is_test INTEGER DEFAULT 0, skip TEXT, errors INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS symbols(
  id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL, name TEXT NOT NULL, qualname TEXT NOT NULL, kind TEXT,
  start_line INTEGER, end_line INTEGER, signature TEXT, doc TEXT, parent_id INTEGER);
CREATE TABLE IF NOT EXISTS refs(
  file_id INTEGER NOT NULL, name TEXT NOT NULL, tname TEXT NOT NULL, line INTEGER, kind TEXT,
  enclosing_id INTEGER, hint TEXT);
CREATE TABLE IF NOT EXISTS edges(src INTEGER NOT NULL, dst INTEGER NOT NULL, weight REAL, file_id INTEGER);
"""

INDEXES = """
CREATE INDEX IF NOT EXISTS symbols_name_nocase ON symbols(name COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS symbols_qual ON symbols(qualname);
CREATE INDEX IF NOT EXISTS symbols_file ON symbols(file_id);
CREATE INDEX IF NOT EXISTS refs_tname ON refs(tname);
CREATE INDEX IF NOT EXISTS refs_file ON refs(file_id);
CREATE INDEX IF NOT EXISTS edges_src ON edges(src);
CREATE INDEX IF NOT EXISTS edges_dst ON edges(dst);
CREATE INDEX IF NOT EXISTS edges_file ON edges(file_id);
"""


def dial_dir(repo: Path) -> Path:
    return repo / ".dial"


def db_path(repo: Path) -> Path:
    return dial_dir(repo) / "index.sqlite"


def connect(path: Path) -> sqlite3.Connection:
    # the cold build's multi-row INSERTs use one statement per row count (bulk.py): keep them all compiled
    con = sqlite3.connect(str(path), timeout=60, isolation_level=None, check_same_thread=False, cached_statements=256)
    con.execute("PRAGMA busy_timeout=60000")
    # takes effect only on a new file (before its first table): 16 KB pages made the cold build's index builds
    # and commit ~0.05 s cheaper on django than 4 KB (fewer pages and WAL frames); no-op on an existing index
    con.execute("PRAGMA page_size=16384")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA temp_store=MEMORY")
    con.execute("PRAGMA cache_size=-32000")
    con.execute(f"PRAGMA threads={min(4, os.cpu_count() or 1)}")  # parallel sorting when building indexes
    return con


def schema_problem(con: sqlite3.Connection) -> str | None:
    """Why this database cannot be used as it is (None when it is fine or brand new)."""
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return None
        if "meta" not in tables:
            return "it has no dial schema"
        row = con.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
    except sqlite3.DatabaseError as exc:
        return f"it is not a readable SQLite database ({exc})"
    if row is None:
        return "it has no schema version"
    if row[0] != SCHEMA_VERSION:
        return f"it has schema version {row[0]}, this dial uses {SCHEMA_VERSION}"
    return None


def has_schema(con: sqlite3.Connection) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone() is not None


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(str(path) + suffix)
        except FileNotFoundError:
            pass


def index_statements() -> list[str]:
    return [stmt.strip() for stmt in INDEXES.split(";") if stmt.strip()]


def drop_indexes(con: sqlite3.Connection) -> None:
    """Bulk loads run without indexes (built once afterwards: several times faster than maintaining them)."""
    for stmt in index_statements():
        name = stmt.split("EXISTS", 1)[1].split()[0]
        con.execute(f"DROP INDEX IF EXISTS {name}")


def create_indexes(con: sqlite3.Connection, edges: bool = True, only: tuple[str, ...] = ()) -> None:
    """Build the indexes (IF NOT EXISTS, so calling it twice is cheap); `edges=False` leaves the edge ones,
    `only` names the ones to build."""
    for stmt in index_statements():
        if (edges or " ON edges" not in stmt) and (not only or stmt.split("EXISTS", 1)[1].split()[0] in only):
            con.execute(stmt)


def bump_generation(con: sqlite3.Connection) -> None:
    """A new generation tells cached graphs (ranking.py) that the index changed."""
    gen = int(con.execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0]) + 1
    con.execute("UPDATE meta SET value=? WHERE key='generation'", (str(gen),))


def init_schema(con: sqlite3.Connection) -> None:
    con.executescript(SCHEMA + INDEXES)
    con.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('schema', ?)", (SCHEMA_VERSION,))
    con.execute("INSERT OR IGNORE INTO meta(key, value) VALUES('generation', '0')")


@contextmanager
def writer_lock(repo: Path) -> Iterator[None]:
    """Exclusive lock held while writing; a second writer waits its turn."""
    lock_file = dial_dir(repo) / "index.lock"
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def ensure_excluded(repo: Path) -> None:
    """Add `.dial/` to `.git/info/exclude` so the index never shows up as an untracked change."""
    git_dir = repo / ".git"
    if not git_dir.is_dir():
        return
    exclude = git_dir / "info" / "exclude"
    try:
        text = exclude.read_text(encoding="utf-8") if exclude.exists() else ""
        if any(line.strip() in (".dial", ".dial/", "/.dial/", "/.dial") for line in text.splitlines()):
            return
        exclude.parent.mkdir(parents=True, exist_ok=True)
        with exclude.open("a", encoding="utf-8") as fh:
            fh.write(("" if text.endswith("\n") or not text else "\n") + ".dial/\n")
    except OSError:
        pass  # read-only .git: the index still works, it just shows as untracked

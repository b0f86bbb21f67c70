"""Rows shaped for multi-row INSERTs: the cold build's per-row cost is Python's sqlite3 module, not SQLite.

`executemany` with one row per statement costs about 1 µs of binding and stepping per row before SQLite does
any work (0.45 s for django's 295k references against 0.06 s for the same rows copied inside SQLite); one
statement carrying `CHUNK` rows cuts that roughly in half. Workers flatten their rows into chunk tuples, so the
writer only prepends the file's id and id base, bound once per statement as `?1` and `?2` (the first file id
and symbol id are not known in a worker). Rows keep their order, so rowids are what one-row inserts gave.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import chain
from typing import Any

from agent.index.extract import DefRow, extract_rows, read_for_parse, use_counts

CHUNK = 32  # rows per statement; django's refs: 0.285 s with 16, 0.269 s with 32, 0.293 s with 64
SYMBOL_WIDTH = 9  # (index, name, qualname, kind, start, end, signature, doc, parent index or None)
REF_WIDTH = 6  # (name, line, kind, enclosing index, hint, tname): a `Row`
EDGE_WIDTH = 4  # (src, dst, weight, file id)
EDGE_CHUNK = 128  # edges are inserted all at once, after the last file: longer statements (0.054 s against 0.067)


@lru_cache(maxsize=None)
def symbols_sql(rows: int) -> str:
    """INSERT of `rows` symbols: ids and parent ids are the file's base (`?2`) plus an index; `?1` the file."""
    one = "(?{0}+?2,?1,?{1},?{2},?{3},?{4},?{5},?{6},?{7},?{8}+?2)"
    values = ",".join(one.format(*range(3 + SYMBOL_WIDTH * r, 3 + SYMBOL_WIDTH * (r + 1))) for r in range(rows))
    columns = "id, file_id, name, qualname, kind, start_line, end_line, signature, doc, parent_id"
    return f"INSERT INTO symbols({columns}) VALUES {values}"


@lru_cache(maxsize=None)
def refs_sql(rows: int) -> str:
    """INSERT of `rows` references: the enclosing id is the file's base (`?2`) plus an index; `?1` the file."""
    one = "(?{0},?{1},?{2},?{3}+?2,?{4},?{5},?1)"
    values = ",".join(one.format(*range(3 + REF_WIDTH * r, 3 + REF_WIDTH * (r + 1))) for r in range(rows))
    return f"INSERT INTO refs(name, line, kind, enclosing_id, hint, tname, file_id) VALUES {values}"


@lru_cache(maxsize=None)
def edges_sql(rows: int) -> str:
    return "INSERT INTO edges(src, dst, weight, file_id) VALUES " + ",".join(["(?,?,?,?)"] * rows)


def chunked(flat: list[Any], width: int, rows: int = CHUNK) -> tuple[list[tuple[Any, ...]], tuple[Any, ...]]:
    """Full chunks of `rows` rows and the rest (a shorter chunk, possibly empty) of a flat row list."""
    step = rows * width
    full = len(flat) - len(flat) % step
    return [tuple(flat[i:i + step]) for i in range(0, full, step)], tuple(flat[full:])


def insert(con: Any, sql: Any, head: tuple[Any, ...], chunks: list[tuple[Any, ...]], rest: tuple[Any, ...], width: int,
           rows: int = CHUNK) -> None:
    """Run full chunks of `rows` rows through one cached statement and the rest through one of its own size."""
    if chunks:
        con.executemany(sql(rows), [head + c for c in chunks] if head else chunks)
    if rest:
        con.execute(sql(len(rest) // width), head + rest)


def def_keys(defs: list[DefRow]) -> tuple[list[str], list[str], dict[str, list[int]]]:
    """What the resolver needs of one file's definitions (see `Resolver.add_file`): qualified names in order,
    the package roots of module symbols, and the indexes of each other definition's simple name."""
    roots: list[str] = []
    names: dict[str, list[int]] = {}
    for i, d in enumerate(defs):
        if d[2] == "module":
            roots.append(d[1].split(".", 1)[0])
        elif d[0] in names:
            names[d[0]].append(i)
        else:
            names[d[0]] = [i]
    return [d[1] for d in defs], roots, names


def bulk_job(job: tuple[str, str, str, str | None]) -> tuple[str, str, Any]:
    """Worker entry of the cold build: like `extract.parse_job`, with an "ok" payload of
    (hash, symbol chunks, symbol rest, ref chunks, ref rest, definition count, `def_keys`, use counts, errors)."""
    root, path, language, old_hash = job
    data, digest = read_for_parse(root, path, old_hash)
    if data is None:
        return (path, *digest)
    defs, rows, errors = extract_rows(data, language, path)
    syms = list(chain.from_iterable((i, *d[:7], d[7] if d[7] >= 0 else None) for i, d in enumerate(defs)))
    sym_chunks, sym_rest = chunked(syms, SYMBOL_WIDTH)
    flat = list(chain.from_iterable(rows))
    ref_chunks, ref_rest = chunked(flat, REF_WIDTH)
    return path, "ok", (digest, sym_chunks, sym_rest, ref_chunks, ref_rest, len(defs), def_keys(defs),
                        dict(use_counts(flat)), errors)  # a plain dict: a Counter unpickles through Python code

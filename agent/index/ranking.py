"""Personalised PageRank over the symbol graph, seeded by what the task mentions.

The graph (edge arrays plus per-symbol flags) is built once per index generation and cached next to the
database as `graph.npz`, so a map query loads arrays instead of re-reading every edge.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from agent.index import store
from agent.index.graph import Graph
from agent.index.seeds import Seeds
from agent.index.types import Symbol

if TYPE_CHECKING:
    from agent.index.repo_index import RepoIndex

MAX_MATCHES = 80
TEST_FACTOR = 0.5
BACKGROUND = 0.05


def load_graph(idx: "RepoIndex") -> tuple[Graph, dict[str, np.ndarray]]:
    gen = idx.generation()
    cached = idx._graph_cache
    if cached is not None and cached[0] == gen:
        return cached[1]  # type: ignore[return-value]
    path = store.dial_dir(idx.repo) / "graph.npz"
    loaded = Graph.load(str(path), gen)
    if loaded is None:
        con = idx.con
        sym = np.array(con.execute(
            "SELECT s.id, COALESCE(s.parent_id, -1), s.kind = 'module', f.is_test FROM symbols s JOIN files f ON f.id = s.file_id"
        ).fetchall(), dtype=np.int64).reshape(-1, 4)
        size = int(sym[:, 0].max()) + 1 if len(sym) else 1
        parents = np.full(size, -1, dtype=np.int64)
        is_module = np.zeros(size, dtype=bool)
        is_test = np.zeros(size, dtype=bool)
        exists = np.zeros(size, dtype=bool)
        if len(sym):
            parents[sym[:, 0]] = sym[:, 1]
            is_module[sym[:, 0]] = sym[:, 2].astype(bool)
            is_test[sym[:, 0]] = sym[:, 3].astype(bool)
            exists[sym[:, 0]] = True
        edges = np.array(con.execute("SELECT src, dst, weight FROM edges").fetchall(), dtype=np.float64).reshape(-1, 3)
        graph = Graph.build(edges, parents, size)
        extras = {"is_module": is_module, "is_test": is_test, "exists": exists}
        tmp = f"{path}.{os.getpid()}.tmp"
        try:
            graph.save(tmp, gen, extras)
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only checkout still ranks, just without the cache
        loaded = (graph, extras)
    idx._graph_cache = (gen, loaded)
    return loaded


def _resolve_path(path: str, files: set[str], repo: str) -> list[str]:
    """Repo files a mentioned path means: exact, the longest matching suffix (absolute paths), or a directory."""
    path = path.replace("\\", "/")
    if path.startswith(repo + "/"):
        path = path[len(repo) + 1:]
    path = path.lstrip("./") if path.startswith("./") else path
    if path in files:
        return [path]
    parts = [p for p in path.split("/") if p]
    for i in range(1, len(parts)):
        suffix = "/".join(parts[i:])
        if suffix in files:
            return [suffix]
    name = parts[-1] if parts else ""
    tail = sorted(f for f in files if f.endswith("/" + name)) if "." in name else []
    if tail:
        return tail[:5]
    prefix = path.rstrip("/") + "/"
    return sorted(f for f in files if f.startswith(prefix))[:50]


def _identifier_ids(idx: "RepoIndex", ident: str) -> list[int]:
    """Definitions an identifier names: exact name first, then case-insensitively (prose says "cart")."""
    if "." in ident:
        return [s.id for s in idx.definitions(ident)] or _identifier_ids(idx, ident.rsplit(".", 1)[-1])
    rows = idx.con.execute(
        "SELECT id, name FROM symbols WHERE name = ? COLLATE NOCASE AND kind != 'module' LIMIT ?", (ident, 4 * MAX_MATCHES)
    ).fetchall()
    exact = [sid for sid, name in rows if name == ident]
    if exact or not ident.islower():
        return exact
    return [sid for sid, _ in rows]


def personalisation(idx: "RepoIndex", seeds: Seeds, size: int) -> tuple[np.ndarray, set[int]]:
    """Teleport weights over symbol ids, and the ids seeded directly."""
    p = np.zeros(size)
    direct: set[int] = set()

    def add(ids: list[int], weight: float) -> None:
        ids = [i for i in ids if i < size]
        for i in ids:
            p[i] += weight / len(ids)
            direct.add(i)

    for ident, weight in seeds.identifiers.items():
        ids = _identifier_ids(idx, ident)
        if 0 < len(ids) <= MAX_MATCHES:
            add(ids, weight)
    files = set(idx.files()) if (seeds.paths or seeds.frames) else set()
    repo = str(idx.repo)
    for path, weight in seeds.paths.items():
        for rel in _resolve_path(path, files, repo):
            syms = idx.symbols_in_file(rel)
            add([s.id for s in syms if s.kind == "module"], weight)
            if len(syms) > 1:
                add([s.id for s in syms if s.kind != "module"], weight * 0.5)
    for path, line, _func in seeds.frames:
        for rel in _resolve_path(path, files, repo)[:1]:
            sym = idx.symbol_at(rel, line)
            if sym is not None:
                add([sym.id], 2.0)
    return p, direct


def rank(idx: "RepoIndex", seeds: Seeds, limit: int = 200) -> list[tuple[Symbol, float]]:
    """Symbols best first by personalised PageRank (module symbols left out; tests count half)."""
    graph, extras = load_graph(idx)
    exists = extras["exists"]
    p, direct = personalisation(idx, seeds, graph.size)
    uniform = (exists & ~extras["is_module"] & ~extras["is_test"]).astype(np.float64)
    if uniform.sum() <= 0:
        uniform = exists.astype(np.float64)
        if uniform.sum() <= 0:
            return []
    uniform /= uniform.sum()
    if p.sum() > 0:
        p /= p.sum()
        # a little uniform teleport keeps the rest of the repo ranked (big budgets still fill up)
        scores = graph.pagerank((1 - BACKGROUND) * p + BACKGROUND * uniform)
        # what the task names comes first, its graph neighbourhood after (PageRank alone lets callees win)
        scores = scores + p
    else:
        scores = graph.pagerank(uniform)
    scores = np.where(extras["is_module"] | ~exists, 0.0, scores)
    factor = np.where(extras["is_test"], TEST_FACTOR, 1.0)
    if direct:
        factor[list(direct)] = 1.0
    scores = scores * factor
    count = min(limit, int((scores > 0).sum()))
    if count <= 0:
        return []
    top = np.argpartition(-scores, count - 1)[:count]
    top = top[np.argsort(-scores[top], kind="stable")]
    syms = idx.symbols_by_ids(int(i) for i in top)
    return [(syms[int(i)], float(scores[i])) for i in top if int(i) in syms]

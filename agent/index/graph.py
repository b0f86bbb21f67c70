"""The symbol graph: resolving references to definitions, and personalised PageRank over the result.

Resolution order for one use of a name: its hint (an import-resolved or `self.`-resolved qualified name)
when that names a definition in the repo; nothing when the hint points outside the repo (`os.path.join`);
otherwise the definitions of that name in the same file, else every definition of that name with weight
1/n (ambiguity kept as weight). Names with more than `MAX_AMBIGUOUS` definitions carry too little signal
and are left out. PageRank is a power iteration over numpy arrays (`bincount` as the sparse product).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

MAX_AMBIGUOUS = 12
CONTAINMENT_WEIGHT = 0.3

# (src symbol, dst symbol, weight)
Edge = tuple[int, int, float]


class Resolver:
    """Name and qualified-name lookups over every definition in the repo."""

    def __init__(self, rows: Iterable[tuple[int, str, str, str, int]]) -> None:
        self.by_name: dict[str, list[int]] = {}
        self.by_name_file: dict[tuple[str, int], list[int]] = {}
        self.by_qual: dict[str, list[int]] = {}
        self.roots: set[str] = set()
        for sid, name, qual, kind, file_id in rows:
            self.by_qual.setdefault(qual, []).append(sid)
            if kind == "module":
                self.roots.add(qual.split(".", 1)[0])
            else:
                self.by_name.setdefault(name, []).append(sid)
                self.by_name_file.setdefault((name, file_id), []).append(sid)

    def resolve(self, file_id: int, tname: str, hint: str) -> list[tuple[int, float]]:
        if hint:
            hits = self.by_qual.get(hint)
            if hits:
                return [(h, 1.0 / len(hits)) for h in hits]
            if hint.split(".", 1)[0] not in self.roots:
                return []
        cands = self.by_name.get(tname)
        if not cands:
            return []
        local = self.by_name_file.get((tname, file_id))
        if local:
            return [(sid, 1.0 / len(local)) for sid in local]
        if len(cands) > MAX_AMBIGUOUS:
            return []
        return [(sid, 1.0 / len(cands)) for sid in cands]


def edges_for_uses(resolver: Resolver, file_id: int, uses: Iterable[tuple[int, str, str, int]]) -> list[Edge]:
    """Edges of one file from its uses: (enclosing symbol, target name, hint, count)."""
    acc: dict[tuple[int, int], float] = {}
    for src, tname, hint, count in uses:
        for dst, w in resolver.resolve(file_id, tname, hint):
            if dst != src:
                acc[(src, dst)] = acc.get((src, dst), 0.0) + w * count
    return [(s, d, w) for (s, d), w in acc.items()]


class Graph:
    """A compact weighted digraph over symbol ids, ready for repeated PageRank runs."""

    def __init__(self, src: np.ndarray, dst: np.ndarray, weight: np.ndarray, size: int) -> None:
        self.size = size
        self.src = src.astype(np.int64)
        self.dst = dst.astype(np.int64)
        out = np.bincount(self.src, weights=weight, minlength=size)
        self.norm = (weight / np.where(out[self.src] > 0, out[self.src], 1.0)).astype(np.float64)
        self.dangling = out == 0

    @classmethod
    def build(cls, edges: np.ndarray, parents: np.ndarray, size: int) -> "Graph":
        """Graph from (src, dst, weight) rows plus symbol<->parent containment edges (kept weak)."""
        child = np.nonzero(parents >= 0)[0]
        par = parents[child]
        src = np.concatenate([edges[:, 0], child, par]).astype(np.int64)
        dst = np.concatenate([edges[:, 1], par, child]).astype(np.int64)
        weight = np.concatenate([edges[:, 2], np.full(2 * len(child), CONTAINMENT_WEIGHT)])
        return cls(src, dst, weight, size)

    def pagerank(self, personal: np.ndarray, alpha: float = 0.85, iters: int = 40, tol: float = 1e-7) -> np.ndarray:
        p = personal / personal.sum()
        x = p.copy()
        for _ in range(iters):
            spread = np.bincount(self.dst, weights=self.norm * x[self.src], minlength=self.size)
            new = alpha * (spread + x[self.dangling].sum() * p) + (1 - alpha) * p
            if np.abs(new - x).sum() < tol:
                return new
            x = new
        return x

    def save(self, path: str, generation: str, extras: dict[str, np.ndarray]) -> None:
        with open(path, "wb") as fh:
            np.savez(fh, src=self.src, dst=self.dst, norm=self.norm, dangling=self.dangling,
                     size=np.array([self.size]), generation=np.array([generation]),
                     **{f"x_{k}": v for k, v in extras.items()})

    @classmethod
    def load(cls, path: str, generation: str) -> "tuple[Graph, dict[str, np.ndarray]] | None":
        """The cached graph if it belongs to this index generation, else None."""
        try:
            with np.load(path) as data:
                if str(data["generation"][0]) != generation:
                    return None
                graph = cls.__new__(cls)
                graph.src, graph.dst, graph.norm = data["src"], data["dst"], data["norm"]
                graph.dangling, graph.size = data["dangling"], int(data["size"][0])
                extras = {k[2:]: data[k] for k in data.files if k.startswith("x_")}
                return graph, extras
        except (OSError, ValueError, KeyError, EOFError):
            return None

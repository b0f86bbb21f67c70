"""Personalised PageRank over the symbol graph: a power iteration over numpy arrays.

`np.bincount` over the edge list is the sparse matrix-vector product, so no scipy import is needed.
"""

from __future__ import annotations

import numpy as np

CONTAINMENT_WEIGHT = 0.3


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

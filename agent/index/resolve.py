"""Resolving references to definitions: the edges of the symbol graph.

Resolution order for one use of a name: its hint (an import-resolved or `self.`-resolved qualified name)
when that names a definition in the repo; nothing when the hint points outside the repo (`os.path.join`);
otherwise the definitions of that name in the same file, else every definition of that name with weight
1/n (ambiguity kept as weight). Names with more than `MAX_AMBIGUOUS` definitions carry too little signal
and are left out. (No numpy here: the update path must import fast.)
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_AMBIGUOUS = 5

# (src symbol, dst symbol, weight)
Edge = tuple[int, int, float]


class Resolver:
    """Name and qualified-name lookups over every definition in the repo.

    Weighted answers are built once per key (not per use): a cold build resolves ~200k uses against the
    same few thousand names, so `resolve` is three dict lookups.
    """

    def __init__(self, rows: Iterable[tuple[int, str, str, str, int]], roots: set[str] | None = None) -> None:
        by_name: dict[str, list[int]] = {}
        by_name_file: dict[tuple[str, int], list[int]] = {}
        by_qual: dict[str, list[int]] = {}
        self.roots: set[str] = set(roots or ())
        for sid, name, qual, kind, file_id in rows:
            by_qual.setdefault(qual, []).append(sid)
            if kind == "module":
                self.roots.add(qual.split(".", 1)[0])
            else:
                by_name.setdefault(name, []).append(sid)
                by_name_file.setdefault((name, file_id), []).append(sid)
        self.by_qual = _weighted(by_qual)
        self.by_name_file = _weighted(by_name_file)
        # names with more than MAX_AMBIGUOUS definitions resolve to nothing outside their own file
        self.by_name = {n: ([(sid, 1.0 / len(ids)) for sid in ids] if len(ids) <= MAX_AMBIGUOUS else [])
                        for n, ids in by_name.items()}

    def resolve(self, file_id: int, tname: str, hint: str) -> list[tuple[int, float]]:
        if hint:
            hits = self.by_qual.get(hint)
            if hits:
                return hits
            if hint.split(".", 1)[0] not in self.roots:
                return []
        cands = self.by_name.get(tname)
        if cands is None:
            return []
        return self.by_name_file.get((tname, file_id)) or cands


def _weighted(table: dict) -> dict:
    return {key: [(sid, 1.0 / len(ids)) for sid in ids] for key, ids in table.items()}


def edges_for_uses(resolver: Resolver, file_id: int, uses: Iterable[tuple[int, str, str, int]]) -> list[Edge]:
    """Edges of one file from its uses: (enclosing symbol, target name, hint, count)."""
    acc: dict[tuple[int, int], float] = {}
    resolve = resolver.resolve
    for src, tname, hint, count in uses:
        for dst, w in resolve(file_id, tname, hint):
            if dst != src:
                key = (src, dst)
                acc[key] = acc.get(key, 0.0) + w * count
    return [(s, d, w) for (s, d), w in acc.items()]

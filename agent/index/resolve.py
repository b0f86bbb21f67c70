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
    """Name and qualified-name lookups over every definition in the repo."""

    def __init__(self, rows: Iterable[tuple[int, str, str, str, int]], roots: set[str] | None = None) -> None:
        self.by_name: dict[str, list[int]] = {}
        self.by_name_file: dict[tuple[str, int], list[int]] = {}
        self.by_qual: dict[str, list[int]] = {}
        self.roots: set[str] = set(roots or ())
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

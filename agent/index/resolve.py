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

    Definitions can be added in batches (`add`, as a cold build receives them) before the first `resolve`.
    Weighted answers are built once per looked-up key and cached: a cold build resolves ~200k uses against
    the same few thousand names, so most `resolve` calls are dict lookups.
    """

    def __init__(self, rows: Iterable[tuple[int, str, str, str, int]] = (), roots: set[str] | None = None) -> None:
        self._by_name: dict[str, list[int]] = {}
        self._by_name_file: dict[tuple[str, int], list[int]] = {}
        self._by_qual: dict[str, list[int]] = {}
        self._cache: dict[object, list[tuple[int, float]]] = {}
        self.roots: set[str] = set(roots or ())
        self.add(rows)

    def add(self, rows: Iterable[tuple[int, str, str, str, int]]) -> None:
        by_name, by_name_file, by_qual = self._by_name, self._by_name_file, self._by_qual
        for sid, name, qual, kind, file_id in rows:
            by_qual.setdefault(qual, []).append(sid)
            if kind == "module":
                self.roots.add(qual.split(".", 1)[0])
            else:
                by_name.setdefault(name, []).append(sid)
                by_name_file.setdefault((name, file_id), []).append(sid)
        self._cache.clear()

    def add_file(self, file_id: int, base: int, keys: tuple[list[str], list[str], dict[str, list[int]]]) -> None:
        """`add` for one file's definitions numbered from `base`, given as `bulk.def_keys` (built in a worker):
        the same lists in the same order, with one step per distinct name instead of per definition."""
        quals, roots, names = keys
        by_qual, by_name, by_name_file = self._by_qual, self._by_name, self._by_name_file
        for sid, qual in enumerate(quals, base):
            ids = by_qual.get(qual)
            if ids is None:
                by_qual[qual] = [sid]
            else:
                ids.append(sid)
        self.roots.update(roots)
        for name, idxs in names.items():
            ids = [base + i for i in idxs]
            by_name_file[(name, file_id)] = ids
            have = by_name.get(name)
            if have is None:
                by_name[name] = ids[:]
            else:
                have.extend(ids)
        self._cache.clear()

    def resolve(self, file_id: int, tname: str, hint: str) -> list[tuple[int, float]]:
        cache = self._cache
        if hint:
            hits = cache.get(hint)
            if hits is None:
                ids = self._by_qual.get(hint)
                hits = cache[hint] = [(h, 1.0 / len(ids)) for h in ids] if ids else []
            if hits:
                return hits
            if hint.split(".", 1)[0] not in self.roots:
                return []
        if tname not in self._by_name:
            return []
        key = (tname, file_id)
        local = self._by_name_file.get(key)
        if local:
            found = cache.get(key)
            if found is None:
                found = cache[key] = [(sid, 1.0 / len(local)) for sid in local]
            return found
        found = cache.get((tname,))
        if found is None:
            cands = self._by_name[tname]
            # names with more than MAX_AMBIGUOUS definitions carry too little signal outside their own file
            found = cache[(tname,)] = [(sid, 1.0 / len(cands)) for sid in cands] if len(cands) <= MAX_AMBIGUOUS else []
        return found


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


def edge_values(resolver: Resolver, files: Iterable[tuple[int, int, dict[tuple[int, str, str], int]]]) -> list[object]:
    """`edges_for_uses` over many files, rows laid end to end as (src, dst, weight, file id) for `bulk`;
    uses come as {(enclosing index, target name, hint): count} with the file's id base to add."""
    out: list[object] = []
    extend = out.extend
    resolve = resolver.resolve
    for file_id, base, uses in files:
        acc: dict[tuple[int, int], float] = {}
        get = acc.get
        for (e, tname, hint), count in uses.items():
            src = base + e
            for dst, w in resolve(file_id, tname, hint):
                if dst != src:
                    key = (src, dst)
                    acc[key] = get(key, 0.0) + w * count
        for (s, d), w in acc.items():
            extend((s, d, w, file_id))
    return out

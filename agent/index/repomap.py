"""Render the best-ranked symbols as a repo map that fits a token budget.

Like aider's map but per symbol: each file lists only its chosen definitions' signature lines (bodies elided
with `⋮`), a method shows its class line for context, files are ordered by their best symbol's score.
The number of symbols is found by binary search against the caller's token counter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from agent.index.seeds import Seeds
from agent.index.types import MapFile, MapSymbol, RepoMap, Symbol

if TYPE_CHECKING:
    from agent.index.repo_index import RepoIndex


def _context(idx: "RepoIndex", ranked: list[tuple[Symbol, float]]) -> tuple[dict[int, Symbol], dict[int, int]]:
    """Parent symbols (for class lines) and nesting depth of every ranked symbol."""
    parent_of = idx.parents(s.id for s, _ in ranked)
    pids = {p for p in parent_of.values() if p is not None}
    parents = idx.symbols_by_ids(pids)
    grand = idx.parents(pids)
    depth: dict[int, int] = {}
    for sym, _ in ranked:
        pid = parent_of.get(sym.id)
        d = 0
        while pid is not None and pid in parents and parents[pid].kind != "module" and d < 4:
            d += 1
            pid = grand.get(pid)
        depth[sym.id] = d
    return {sid: parents[pid] for sid, pid in parent_of.items() if pid in parents and parents[pid].kind != "module"}, depth


def _render(chosen: list[tuple[Symbol, float]], parent: dict[int, Symbol], depth: dict[int, int]) -> tuple[str, list[MapFile]]:
    by_file: dict[str, list[tuple[Symbol, float]]] = {}
    for sym, score in chosen:
        by_file.setdefault(sym.path, []).append((sym, score))
    order = sorted(by_file.items(), key=lambda kv: -max(s for _, s in kv[1]))
    parts: list[str] = []
    files: list[MapFile] = []
    for path, items in order:
        lines: dict[int, str] = {}
        for sym, _ in items:
            owner = parent.get(sym.id)
            if owner is not None and owner.start_line not in lines:
                lines[owner.start_line] = "    " * max(depth.get(sym.id, 1) - 1, 0) + owner.signature
            lines[sym.start_line] = "    " * depth.get(sym.id, 0) + sym.signature
        body = ["⋮"]
        last = 0
        for line in sorted(lines):
            if last and line > last + 1 and body[-1] != "⋮":
                body.append("⋮")
            body.append("│" + lines[line])
            last = line
        body.append("⋮")
        parts.append(f"{path}:\n" + "\n".join(body))
        syms = sorted(items, key=lambda t: t[0].start_line)
        files.append(MapFile(path, max(s for _, s in items), [MapSymbol(s.name, s.kind, s.start_line) for s, _ in syms]))
    return ("\n".join(parts) + "\n") if parts else "", files


def build_map(idx: "RepoIndex", seeds: Seeds, tokens: int, count_tokens: Callable[[str], int]) -> RepoMap:
    """The largest prefix of the ranking whose rendering fits in `tokens`."""
    if tokens <= 0:
        return RepoMap("", 0, [])
    ranked = idx.rank(seeds, limit=max(100, min(2000, tokens // 6)))
    if not ranked:
        return RepoMap("", 0, [])
    parent, depth = _context(idx, ranked)
    lo, hi = 0, len(ranked)
    best: tuple[str, list[MapFile], int] = ("", [], 0)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        text, files = _render(ranked[:mid], parent, depth)
        used = count_tokens(text)
        if used <= tokens:
            lo, best = mid, (text, files, used)
        else:
            hi = mid - 1
    return RepoMap(best[0], best[2], best[1])

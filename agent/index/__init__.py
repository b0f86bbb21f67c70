"""The repo index: a tree-sitter symbol graph in SQLite, personalised PageRank, and a token-bounded map.

Public API: `RepoIndex`, `Symbol`, `Reference`, `IndexStats`, `RepoMap`, `MapFile`, `MapSymbol`, `Seeds`,
`estimate_tokens`, `health`.
"""

from __future__ import annotations

from agent.index.health import health
from agent.index.repo_index import RepoIndex
from agent.index.seeds import Seeds
from agent.index.types import IndexStats, MapFile, MapSymbol, Reference, RepoMap, Symbol, estimate_tokens

__all__ = [
    "IndexStats", "MapFile", "MapSymbol", "Reference", "RepoIndex", "RepoMap", "Seeds", "Symbol",
    "estimate_tokens", "health",
]

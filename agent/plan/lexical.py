"""BM25 (the `rank-bm25` library) over symbols and over files, built from the index's symbols.

A symbol's document is its name (twice: the name matters most), its qualified name, its file's path words,
its signature and docstring. A file's document is its path words plus the names and docstrings of the
symbols it defines; file-level BM25 is also the baseline the benchmarks compare against.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Sequence

import numpy as np
from rank_bm25 import BM25Okapi

from agent.plan.text import path_words, split_identifier, tokenize


def symbol_document(sym: Any) -> list[str]:
    """Words that describe one symbol."""
    name = [p for p in split_identifier(sym.name) if len(p) > 1]
    words = name + name + [sym.name.lower()]
    words += tokenize(sym.qualname.replace(".", " "))
    words += path_words(sym.path)
    words += tokenize(sym.signature or "")
    words += tokenize(sym.doc or "")[:200]
    return words


class _Bm25:
    """rank-bm25 with an empty-corpus guard and query terms deduplicated (a repeated word is not new evidence)."""

    def __init__(self, docs: Sequence[list[str]]) -> None:
        self.size = len(docs)
        # BM25Okapi divides by the corpus size; a corpus of empty documents is harmless, an empty corpus not.
        self._bm = BM25Okapi([d or ["_"] for d in docs]) if docs else None

    def scores(self, query: Iterable[str]) -> np.ndarray:
        # Words the corpus never uses score 0 anyway; rank-bm25 would still loop over every document for them.
        terms = [t for t in dict.fromkeys(query) if self._bm is not None and t in self._bm.idf]
        if self._bm is None or not terms:
            return np.zeros(self.size)
        return np.asarray(self._bm.get_scores(terms), dtype=float)


class SymbolBm25:
    """Symbol-level lexical relevance of a task text."""

    def __init__(self, symbols: Sequence[Any]) -> None:
        self.symbols = list(symbols)
        self._bm = _Bm25([symbol_document(s) for s in self.symbols])

    def scores(self, query: list[str]) -> np.ndarray:
        return self._bm.scores(query)


class FileBm25:
    """File-level lexical relevance: path words and the names/docstrings defined in the file."""

    def __init__(self, symbols: Iterable[Any], extra_files: Iterable[str] = ()) -> None:
        words: dict[str, list[str]] = defaultdict(list)
        for sym in symbols:
            words[sym.path].extend(split_identifier(sym.name) + [sym.name.lower()] + tokenize(sym.doc or "")[:50])
        for path in extra_files:
            words.setdefault(path, [])
        self.paths = sorted(words)
        docs = [path_words(p) * 2 + words[p] for p in self.paths]
        self._bm = _Bm25(docs)

    def scores(self, query: list[str]) -> dict[str, float]:
        raw = self._bm.scores(query)
        return {p: float(s) for p, s in zip(self.paths, raw)}

    def ranking(self, query: list[str]) -> list[str]:
        """Files best first (the plain BM25 baseline)."""
        scores = self.scores(query)
        return sorted(self.paths, key=lambda p: (-scores[p], p))


class FileTextBm25:
    """BM25 over each file's whole text (identifiers split into words): what a file says, not only what it names."""

    def __init__(self, root: Any, paths: Iterable[str], max_bytes: int = 1_000_000) -> None:
        from pathlib import Path

        self.paths = sorted(paths)
        docs = []
        for p in self.paths:
            try:
                file = Path(root) / p
                text = file.read_text(encoding="utf-8", errors="replace") if file.stat().st_size <= max_bytes else ""
            except OSError:
                text = ""
            docs.append(path_words(p) + tokenize(text))
        self._bm = _Bm25(docs)

    def scores(self, query: list[str]) -> dict[str, float]:
        return {p: float(s) for p, s in zip(self.paths, self._bm.scores(query))}

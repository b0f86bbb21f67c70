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

from agent.plan.sources import SourceCache
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


class SparseBm25:
    """rank-bm25's Okapi BM25, scored through a sparse matrix; query terms deduplicated.

    The library fits the statistics (idf, document lengths, k1, b); its get_scores loops in Python over every
    document for every query word, seconds per task on a large repo. The same formula as one sparse
    matrix-vector product gives identical scores in milliseconds.
    """

    def __init__(self, docs: Sequence[list[str]]) -> None:
        from scipy.sparse import csc_matrix

        self.size = len(docs)
        self._bm = BM25Okapi([d or ["_"] for d in docs]) if docs else None
        self._col: dict[str, int] = {}
        self._matrix: Any = None
        if self._bm is None:
            return
        bm = self._bm
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[int] = []
        lengths = np.asarray(bm.doc_len, dtype=float)
        norm = bm.k1 * (1 - bm.b + bm.b * lengths / bm.avgdl)
        column = self._col.setdefault
        for i, freqs in enumerate(bm.doc_freqs):
            for term, tf in freqs.items():
                cols.append(column(term, len(self._col)))
                tfs.append(tf)
            rows.extend([i] * len(freqs))
        # the term weights in one vectorised step (the same float operations, in the same order, per entry)
        tf_arr = np.asarray(tfs, dtype=float)
        row_arr = np.asarray(rows, dtype=np.int64)
        vals = tf_arr * (bm.k1 + 1) / (tf_arr + norm[row_arr])
        self._matrix = csc_matrix((vals, (row_arr, cols)), shape=(self.size, max(1, len(self._col))))
        self._idf = np.zeros(max(1, len(self._col)))
        for term, col in self._col.items():
            self._idf[col] = bm.idf.get(term, 0.0)

    def state(self) -> dict[str, np.ndarray]:
        """The fitted model as plain arrays (agent.plan.bm25_cache stores them without pickle)."""
        from scipy.sparse import csc_matrix

        matrix = self._matrix if self._matrix is not None else csc_matrix((self.size, 1))
        # the terms in column order, one UTF-8 byte string joined by newlines (terms are words: never a newline)
        vocab = np.frombuffer("\n".join(sorted(self._col, key=self._col.__getitem__)).encode(), dtype=np.uint8)
        return {"size": np.array([self.size, int(self._matrix is not None)]), "data": matrix.data,
                "indices": matrix.indices, "indptr": matrix.indptr, "columns": np.array([matrix.shape[1]]),
                "idf": self._idf if self._matrix is not None else np.zeros(1), "vocab": vocab}

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray]) -> "SparseBm25":
        from scipy.sparse import csc_matrix

        bm = cls.__new__(cls)
        size, fitted = (int(v) for v in state["size"])
        bm.size, bm._bm = size, None
        vocab = state["vocab"].tobytes().decode()
        terms = vocab.split("\n") if vocab else []
        bm._col = {term: i for i, term in enumerate(terms)}
        bm._matrix = csc_matrix((state["data"], state["indices"], state["indptr"]),
                                shape=(size, int(state["columns"][0]))) if fitted else None
        bm._idf = state["idf"]
        return bm

    def scores(self, query: Iterable[str]) -> np.ndarray:
        cols = sorted({self._col[t] for t in query if t in self._col})
        if self._matrix is None or not cols:
            return np.zeros(self.size)
        return np.asarray(self._matrix[:, cols] @ self._idf[cols]).ravel()


def restore(cls: type, bm: SparseBm25, **attrs: Any) -> Any:
    """An instance of one of the models below around an already fitted `SparseBm25` (loaded from the cache)."""
    obj = cls.__new__(cls)
    obj.__dict__.update(attrs)
    obj._bm = bm
    return obj


class SymbolBm25:
    """Symbol-level lexical relevance of a task text."""

    def __init__(self, symbols: Sequence[Any]) -> None:
        self.symbols = list(symbols)
        self._bm = SparseBm25([symbol_document(s) for s in self.symbols])

    def scores(self, query: list[str]) -> np.ndarray:
        return self._bm.scores(query)


class FileBm25:
    """File-level lexical relevance: path words and the names/docstrings defined in the file."""

    def __init__(self, symbols: Iterable[Any], extra_files: Iterable[str] = ()) -> None:
        symbols = list(symbols)
        words: dict[str, list[str]] = defaultdict(list)
        for sym in symbols:
            words[sym.path].extend(split_identifier(sym.name) + [sym.name.lower()] + tokenize(sym.doc or "")[:50])
        self.paths = self.paths_for(symbols, extra_files)
        docs = [path_words(p) * 2 + words[p] for p in self.paths]
        self._bm = SparseBm25(docs)

    @staticmethod
    def paths_for(symbols: Iterable[Any], extra_files: Iterable[str] = ()) -> list[str]:
        """The files the model ranks, in its document order."""
        return sorted({s.path for s in symbols} | set(extra_files))

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
        self._bm = SparseBm25(docs)

    def scores(self, query: list[str]) -> dict[str, float]:
        return {p: float(s) for p, s in zip(self.paths, self._bm.scores(query))}


class BodyBm25:
    """BM25 over each symbol's source text (first BODY_TOKENS words): what a function does, not only its name.

    Catches a function the task never names but whose code uses the task's words (a helper the failing path
    goes through, data tables built by a function the tests reach only indirectly)."""

    BODY_TOKENS = 400

    def __init__(self, root: Any, symbols: Sequence[Any]) -> None:
        from pathlib import Path

        source = SourceCache(Path(root))  # this model's own: the lines are freed once it is fitted
        docs = [tokenize(source.span(sym.path, sym.start_line, sym.end_line), keep_whole=False)[: self.BODY_TOKENS]
                for sym in symbols]
        self._bm = SparseBm25(docs)

    def scores(self, query: list[str]) -> np.ndarray:
        return self._bm.scores(query)

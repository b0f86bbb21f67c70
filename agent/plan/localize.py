"""Rank candidate edit sites (symbol line spans) from every signal the task gives, before any model call.

score(site) = sum_k WEIGHTS[k] * signal_k(site), each signal scaled to [0, 1], then multiplied by
TEST_FILE_FACTOR when the site is inside a test file (the fix rarely lives in the test that shows the bug).

Signals (`why` names the ones that fired):
- lexical   BM25 of the task text (and exception messages) against the symbol's words, / max
- file      BM25 against the names and docstrings the file defines, / max (a symbol inherits its file's)
- text      BM25 against the file's whole text (comments, strings, code), / max
- body      BM25 against the symbol's own source text, / max
- mention   the symbol's name is written in the task as code (dotted, snake/camel case, backticks, a call)
- imported  the task imports the symbol from the repo's module (`from pkg.mod import Name`), resolved through
            the package's re-exports; the methods it calls on an imported class (agent.plan.imports)
- path      the file's module path or file name is written in the task
- prose     BM25 against the file's whole text, queried with the task's prose only (code blocks, indented
            lines and tracebacks removed: example code names what the reporter used, not where the bug is)
- title     BM25 against the file's whole text, queried with the task's first line only (an issue's title
            names the problem in a few words; the body's words dilute them)
- stem      the file's base name is a word of the task ('autodetector'), 1/(1+log2 #files of that name)
- trace     an in-repo traceback frame lies inside the symbol; 1 / (1 + depth), deepest non-test frame first
- tests     the symbol is called by a failing test (test -> code edges of the index)
- operator  a dunder (__eq__, __add__, __getitem__, ...) of a class the failing test reaches, invoked by an
            operator or builtin in the test (agent.plan.operators); 1.0 when the failing statement uses it
- pagerank  the index's personalised PageRank from the task's seeds, / max
- diff      the file is in the task's `git diff`
- recency   the file was touched by recent commits (cheap `git log`)

Weights: starting values set by hand in proportion to how specific each signal is (a traceback frame names a
line; a mention names a symbol; BM25 only suggests), then grid-searched: WEIGHTS (a task of text alone) for
file recall@5 on the tune half of bench/swebench_bench.py, WEIGHTS_WITH_FAILURES (failing-test output given)
for function recall@5 on bench/localize_bench.py. .readme/plan.md gives the measured effect.
"""

from __future__ import annotations

import math
import subprocess
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from agent.plan.imports import import_signal
from agent.plan.sources import SourceCache
from agent.plan.operators import operator_edges
from agent.plan.lexical import BodyBm25, FileBm25, FileTextBm25, SymbolBm25, restore
from agent.plan.text import (dotted_names, dotted_paths, mentioned_identifiers, prose_of, stem_mentions, title_of,
                             tokenize)
from agent.plan.trace import Frame, exception_text, parse_failing_tests, parse_frames, split_node_id
from agent.plan.types import Site, TaskInput

WEIGHTS: dict[str, float] = {
    "lexical": 0.5,
    "file": 0.8,
    "text": 4.0,
    "body": 0.8,
    "mention": 0.9,
    "imported": 1.5,
    "path": 0.7,
    "prose": 0.5,
    "title": 3.0,
    "stem": 0.5,
    "trace": 2.5,
    "tests": 0.4,
    "operator": 0.4,
    "pagerank": 0.4,
    "diff": 0.5,
    "recency": 0.1,
}
# `title` was set on the SWE-bench tune half (offline re-ranking of the stored signals, the other weights fixed):
# 3.0 took file recall@1 there from 52.8 to 59.5, @5 from 83.4 to 84.4, @10 from 86.7 to 89.2 (2-4 a plateau).
# Tried there the same way and not kept: the callees of the symbols the task names (no gain at any weight), a
# file-length prior, a bonus for files beside other high-scoring files, a learned file-level re-ranker.
# Failing-test output is code-like (test source, values, frames): it matches function bodies better than an
# issue's prose does, and prose matches whole files better. Coordinate search for function recall@5 (then @1)
# on the tune projects of bench/localize_bench.py (toolz, boltons, python-dateutil, inflection; more-itertools
# held out). `mention` and `lexical` went to 0 there: the pytest output names every identifier the test
# touches, so a mention points at nothing in particular; `operator` (dunders a failing statement invokes)
# took most of the misses that had no call edge.
WEIGHTS_WITH_FAILURES: dict[str, float] = {**WEIGHTS, "text": 0.8, "body": 4.0, "trace": 5.0, "lexical": 0.0,
                                           "mention": 0.0, "operator": 2.1, "prose": 0.0, "stem": 0.0,
                                           "title": 0.0}
TEST_FILE_FACTOR = 0.35
SITE_KINDS_EXCLUDED = {"module", "import", "variable", "constant", "field", "parameter"}
MIN_SITES = 20
CLASS_MEMBER_SHARE = 0.5


@dataclass
class Localisation:
    """The ranked sites and what the difficulty estimate needs to know about how they were found."""

    sites: list[Site]
    symbols: list[Any]  # the Symbol behind each site, same order
    frames: list[Frame] = field(default_factory=list)
    failing_tests: list[str] = field(default_factory=list)
    signals: list[dict[str, float]] = field(default_factory=list)
    raw: dict[str, dict[int, float]] = field(default_factory=dict)  # every signal's values, for benchmarks


def git_recency(repo: Path | None, commits: int = 200) -> dict[str, float]:
    """Files touched by the last `commits` commits -> 1.0 for the newest, falling towards 0; {} without git."""
    if repo is None or not (repo / ".git").exists():
        return {}
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), "log", f"-n{commits}", "--name-only", "--format=%x00"],
            capture_output=True, text=True, timeout=20, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    scores: dict[str, float] = {}
    for i, chunk in enumerate(out.split("\x00")[1:]):
        for line in chunk.splitlines():
            line = line.strip()
            if line and line not in scores:
                scores[line] = 1.0 / (1.0 + i / 10.0)
    return scores


def _scaled(values: dict[Any, float]) -> dict[Any, float]:
    top = max(values.values(), default=0.0)
    return {k: v / top for k, v in values.items() if v > 0} if top > 0 else {}


def _is_test(index: Any, path: str) -> bool:
    try:
        return bool(index.is_test_file(path))
    except Exception:  # an index without the helper: fall back to the usual naming rule
        name = path.rsplit("/", 1)[-1]
        return name.startswith("test_") or name.endswith("_test.py") or "/tests/" in f"/{path}"


def _innermost(symbols: Sequence[Any], line: int) -> Any | None:
    inside = [s for s in symbols if s.start_line <= line <= s.end_line and s.kind not in SITE_KINDS_EXCLUDED]
    return min(inside, key=lambda s: s.end_line - s.start_line) if inside else None


def _failing_test_symbols(nodes: list[str], by_file: dict[str, list[Any]]) -> list[Any]:
    """The test functions the failing node ids name (parametrised ids map to their function)."""
    found: list[Any] = []
    for node in nodes:
        path, names = split_node_id(node)
        if names:
            found += [s for s in by_file.get(path, []) if s.name == names[-1] and s not in found]
    return found


def _test_edges(index: Any, tests: list[Any], by_file: dict[str, list[Any]]) -> dict[int, float]:
    """Symbols reached from failing tests through the call graph: direct callees 1.0, their callees 0.4.

    A test that uses a class reaches its methods without a call edge (operators call __eq__, __add__; the
    constructor calls __init__): the methods of a reached class get CLASS_MEMBER_SHARE of the class's value;
    the dunders the test's operators invoke get their own signal (agent.plan.operators).
    """
    reached: dict[int, float] = defaultdict(float)
    for test in tests:
        for callee, weight in index.callees(test.id):
            reached[callee.id] += 1.0 * min(1.0, float(weight) or 1.0)
            for deeper, w2 in index.callees(callee.id)[:20]:
                reached[deeper.id] += 0.4 * min(1.0, float(w2) or 1.0)
    for sid, value in list(reached.items()):
        cls = index.symbol_by_id(sid)
        if cls is None or cls.kind != "class":
            continue
        prefix = cls.qualname + "."
        for member in by_file.get(cls.path, []):
            if member.qualname.startswith(prefix) and member.qualname.count(".") == cls.qualname.count(".") + 1:
                reached[member.id] = max(reached[member.id], CLASS_MEMBER_SHARE * value)
    return reached


class IndexView:
    """What localisation reads from the index once per index state: symbols, files, the BM25 models.

    Building BM25 over tens of thousands of symbols takes a second or two; callers planning many tasks on one
    index (benchmarks, a loop re-planning) build one view and pass it to every call.
    """

    def __init__(self, index: Any, cache: bool = True) -> None:
        self.index = index
        self.all_syms = list(index.all_symbols())
        self.candidates = [s for s in self.all_syms if s.kind not in SITE_KINDS_EXCLUDED]
        self.by_file: dict[str, list[Any]] = defaultdict(list)
        for s in self.all_syms:
            self.by_file[s.path].append(s)
        self.files = set(index.files()) | set(self.by_file)
        self.by_id = {s.id: s for s in self.candidates}
        self.defs: dict[str, int] = defaultdict(int)
        self.by_name: dict[str, list[Any]] = defaultdict(list)
        for s in self.candidates:
            self.defs[s.name] += 1
            self.by_name[s.name].append(s)
        self._symbol_bm25: SymbolBm25 | None = None
        self._file_bm25: FileBm25 | None = None
        self._recency: dict[str, float] | None = None
        self._text_bm25: FileTextBm25 | None = None
        self._body_bm25: BodyBm25 | None = None
        self._tests: dict[str, bool] = {}
        self._sources: SourceCache | None = None
        # the fitted BM25 models of an earlier process, when the index still holds the same files and symbols
        usable = cache and hasattr(index, "con") and hasattr(index, "repo")
        self._cache_root: Path | None = Path(index.repo).resolve() if usable else None
        self._cached: dict[str, Any] | None = None
        self._cache_key = ""
        self.cache_state = "off" if self._cache_root is None else "unread"  # then "loaded", "built", "saved"

    def _from_cache(self, name: str, repo: Path | None = None, needs_repo: bool = False) -> Any | None:
        """The cached fitted model `name`; file-text models only for the index's own checkout."""
        if self._cache_root is None or (needs_repo and (repo is None or repo.resolve() != self._cache_root)):
            return None
        if self._cached is None:
            from agent.index.store import dial_dir
            from agent.plan import bm25_cache

            self._cache_key = bm25_cache.cache_key(self.index, self.all_syms)
            self._cached = bm25_cache.load(dial_dir(self._cache_root) / bm25_cache.FILE_NAME, self._cache_key) or {}
            self.cache_state = "loaded" if self._cached else "built"
        return self._cached.get(name)

    def save_cache(self, repo: Path | None) -> None:
        """Keep the models fitted in this process for the next one (nothing to do when they were loaded)."""
        if self.cache_state != "built" or repo is None or self._cache_root != repo.resolve():
            return
        models = (self._symbol_bm25, self._file_bm25, self._text_bm25, self._body_bm25)
        if any(m is None for m in models):
            return
        from agent.index.store import dial_dir
        from agent.plan import bm25_cache

        path = dial_dir(self._cache_root) / bm25_cache.FILE_NAME
        if bm25_cache.save(path, self._cache_key, dict(zip(bm25_cache.MODELS, (m._bm for m in models)))):
            self.cache_state = "saved"

    def sources(self, repo: Path | None) -> SourceCache:
        if self._sources is None or self._sources.repo != repo:
            self._sources = SourceCache(repo)
        return self._sources

    def recency(self, repo: Path | None) -> dict[str, float]:
        if self._recency is None:
            self._recency = git_recency(repo)
        return self._recency

    def is_test(self, path: str) -> bool:
        if path not in self._tests:
            self._tests[path] = _is_test(self.index, path)
        return self._tests[path]

    @property
    def symbol_bm25(self) -> SymbolBm25:
        if self._symbol_bm25 is None:
            bm = self._from_cache("symbol")
            self._symbol_bm25 = restore(SymbolBm25, bm, symbols=self.candidates) if bm else SymbolBm25(self.candidates)
        return self._symbol_bm25

    def file_text_bm25(self, repo: Path | None) -> FileTextBm25 | None:
        if self._text_bm25 is None and repo is not None:
            bm = self._from_cache("text", repo, needs_repo=True)
            self._text_bm25 = (restore(FileTextBm25, bm, paths=sorted(self.by_file)) if bm
                               else FileTextBm25(repo, self.by_file))
        return self._text_bm25

    def body_bm25(self, repo: Path | None) -> BodyBm25 | None:
        if self._body_bm25 is None and repo is not None:
            bm = self._from_cache("body", repo, needs_repo=True)
            self._body_bm25 = restore(BodyBm25, bm) if bm else BodyBm25(repo, self.candidates)
        return self._body_bm25

    @property
    def file_bm25(self) -> FileBm25:
        if self._file_bm25 is None:
            bm = self._from_cache("file")
            self._file_bm25 = (restore(FileBm25, bm, paths=FileBm25.paths_for(self.all_syms, self.files)) if bm
                               else FileBm25(self.all_syms, self.files))
        return self._file_bm25


def localise(index: Any, task: TaskInput, repo: Path | None = None, limit: int = 50,
             view: IndexView | None = None, weights: dict[str, float] | None = None) -> Localisation:
    """Rank symbols as edit sites for `task`; at least MIN_SITES when the repo has that many symbols."""
    from agent.index import Seeds  # the index is a lower layer; imported when used, not at import time

    view = view or IndexView(index)
    candidates, by_file, files = view.candidates, view.by_file, view.files
    root = str(repo.resolve()) if repo is not None else None

    # Issues often paste a traceback into the text itself; the failure output's frames come first.
    frames = parse_frames(task.failures + "\n" + task.text, files, root)
    failing = list(dict.fromkeys(list(task.failing_tests) + parse_failing_tests(task.failures)))
    # The failure output's own words (the test source pytest prints, values, messages) are part of the query.
    query_text = task.text + "\n" + exception_text(task.failures) + "\n" + task.failures
    query = tokenize(query_text)

    sig: dict[str, dict[int, float]] = {}
    lex = view.symbol_bm25.scores(query)
    sig["lexical"] = _scaled({s.id: float(v) for s, v in zip(candidates, lex)})
    file_scores = _scaled(view.file_bm25.scores(query))
    sig["file"] = {s.id: file_scores.get(s.path, 0.0) for s in candidates if file_scores.get(s.path)}
    body_bm25 = view.body_bm25(repo)
    if body_bm25 is not None:
        # pytest prints the failing test's own source: a test matching its printed body proves nothing.
        sig["body"] = _scaled({s.id: float(v) for s, v in zip(candidates, body_bm25.scores(query))
                               if not view.is_test(s.path)})
    text_bm25 = view.file_text_bm25(repo)
    text_scores = _scaled(text_bm25.scores(query)) if text_bm25 is not None else {}
    sig["text"] = {s.id: text_scores[s.path] for s in candidates if text_scores.get(s.path)}
    prose = tokenize(prose_of(task.text))
    prose_scores = _scaled(text_bm25.scores(prose)) if text_bm25 is not None and prose else {}
    sig["prose"] = {s.id: prose_scores[s.path] for s in candidates if prose_scores.get(s.path)}
    title = tokenize(title_of(task.text))
    title_scores = _scaled(text_bm25.scores(title)) if text_bm25 is not None and title else {}
    sig["title"] = {s.id: title_scores[s.path] for s in candidates if title_scores.get(s.path)}
    stems = stem_mentions(task.text, by_file)
    sig["stem"] = {s.id: stems[s.path] for s in candidates if s.path in stems}

    mentions = mentioned_identifiers(task.text + "\n" + task.failures)
    dotted = dotted_names(task.text)
    defs = view.defs
    # A name defined once is a pointer to one symbol; `save`, defined 200 times, points at none in particular.
    sig["mention"] = {s.id: 1.0 / (1.0 + math.log2(defs[s.name])) for s in candidates if s.name in mentions}
    for s in candidates:
        if s.qualname and "." in s.qualname and any(s.qualname == d or s.qualname.endswith("." + d) for d in dotted):
            sig["mention"][s.id] = 1.0
    sig["imported"] = import_signal(task.text, files, view.by_name, by_file)
    mpaths = dotted_paths(task.text)
    hit_files = {f for f in files if any(f.removesuffix(".py").endswith(m) or
                                          f.removesuffix("/__init__.py").endswith(m) for m in mpaths)}
    sig["path"] = {s.id: 1.0 for s in candidates if s.path in hit_files}

    trace: dict[int, float] = {}
    code_depth = test_depth = 0
    for fr in frames:
        sym = _innermost(by_file.get(fr.path, []), fr.line)
        if sym is None:
            continue
        if view.is_test(fr.path):
            value, test_depth = 0.3 / (1 + test_depth), test_depth + 1
        else:
            value, code_depth = 1.0 / (1 + code_depth), code_depth + 1
        trace[sym.id] = max(trace.get(sym.id, 0.0), value)
    sig["trace"] = trace
    tests = _failing_test_symbols(failing, by_file)
    reached = _test_edges(index, tests, by_file)
    sig["tests"] = _scaled(reached)
    sig["operator"] = _scaled(operator_edges(index, tests, by_file, view.sources(repo), task.failures)) if tests else {}

    seeds = Seeds.from_task(text=task.text, failures=task.failures, diff_paths=list(task.diff_paths))
    sig["pagerank"] = _scaled({s.id: float(v) for s, v in index.rank(seeds, limit=300)})
    diff = set(task.diff_paths)
    sig["diff"] = {s.id: 1.0 for s in candidates if s.path in diff}
    recency = view.recency(repo)
    sig["recency"] = {s.id: recency[s.path] for s in candidates if s.path in recency}

    about_tests = "test" in task.text.lower().split()
    if weights is None:
        weights = WEIGHTS_WITH_FAILURES if task.failures.strip() else WEIGHTS
    view.save_cache(repo)
    totals, fired = combine(sig, view, about_tests, weights)
    by_id = view.by_id
    ranked = sorted(totals, key=lambda i: (-totals[i], by_id[i].path, by_id[i].start_line))[:limit]
    if len(ranked) < MIN_SITES:  # fill from the most referenced symbols so callers always see a ranking
        rest = sorted((s for s in candidates if s.id not in totals), key=lambda s: -_fan_in(index, s))
        ranked += [s.id for s in rest[: MIN_SITES - len(ranked)]]
    sites, syms, signals = [], [], []
    for sid in ranked:
        sym = by_id[sid]
        strength = sorted(fired[sid].items(), key=lambda kv: -(weights or WEIGHTS).get(kv[0], 0.0) * kv[1])
        why = [f"{k} {v:.2f}" for k, v in strength]
        if not why:
            why = ["filler: no signal fired (most referenced symbols)"]
        if view.is_test(sym.path):
            why.append("test file")
        sites.append(Site(sym.path, sym.qualname or sym.name, sym.start_line, sym.end_line, totals.get(sid, 0.0), why))
        syms.append(sym)
        signals.append(dict(fired[sid]))
    return Localisation(sites=sites, symbols=syms, frames=frames, failing_tests=failing, signals=signals, raw=sig)


def combine(sig: dict[str, dict[int, float]], view: IndexView, about_tests: bool,
            weights: dict[str, float] | None = None) -> tuple[dict[int, float], dict[int, dict[str, float]]]:
    """The weighted sum of the signals per symbol, test files damped; also which signals fired where."""
    w = weights or WEIGHTS
    totals: dict[int, float] = defaultdict(float)
    fired: dict[int, dict[str, float]] = defaultdict(dict)
    for name, values in sig.items():
        for sid, v in values.items():
            if sid in view.by_id:
                totals[sid] += w.get(name, 0.0) * v
                fired[sid][name] = v
    if not about_tests:
        for sid in totals:
            if view.is_test(view.by_id[sid].path):
                totals[sid] *= w.get("test_file_factor", TEST_FILE_FACTOR)
    return totals, fired


def _fan_in(index: Any, sym: Any) -> float:
    try:
        return float(index.fan_in(sym.id))
    except Exception:
        return 0.0


def file_ranking(sites: Sequence[Site]) -> list[str]:
    """Files in the order their best site appears: the file-level view of a site ranking."""
    return list(dict.fromkeys(s.path for s in sites))


def entropy_of(scores: Sequence[float], k: int = 10) -> float:
    """Normalised entropy (0 = one clear winner, 1 = all equal) of the top-k scores."""
    top = [max(0.0, s) for s in scores[:k]]
    total = sum(top)
    if total <= 0 or len(top) < 2:
        return 1.0 if total <= 0 else 0.0
    probs = [s / total for s in top if s > 0]
    return -sum(p * math.log(p) for p in probs) / math.log(len(top))

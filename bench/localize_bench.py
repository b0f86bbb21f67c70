"""Bug localisation from failing tests: dial's ranking against traceback order and plain BM25.

    python bench/localize_bench.py                  # all projects, 40 mutation attempts each
    python bench/localize_bench.py --per-project 10 --projects toolz inflection

Builds the set: pure-Python PyPI sdists that ship their tests (cached in bench/.corpora/, shared with
swebench_bench.py); for each, single-site mutations inside functions (comparison flipped, + <-> -, and <-> or,
an int constant +1, True <-> False), chosen at random with a fixed seed; a mutant is kept when tests that pass on
the original fail on it. The task dial gets is what `dial fix` gives the planner: "make the failing tests pass",
the failing test ids and the raw pytest output. Gold: the mutated file and the function enclosing the mutation.

Rankings compared, at file and function level, recall@1/5/10 (one gold site, so recall = hit rate):
- dial:       agent.plan.localize.localise on the real index (all signals).
- traceback:  in-repo traceback frames, deepest first (test frames included, as printed), each mapped to the
              function around its line; files in the same order.
- bm25:       plain BM25 (rank-bm25) of the pytest output against each function's source text (function
              level) and each file's text (file level).

Split: the failing-test weights are tuned on toolz, boltons, python-dateutil and inflection; more-itertools
(HELD_OUT) is never used for tuning and is reported on its own ("held-out"), next to "tune" and "all".
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from swebench_bench import CORPORA, extract, fetch_sdist  # noqa: E402  (bench scripts share the cache)

# project -> (pip spec, test paths inside the sdist)
PROJECTS: dict[str, tuple[str, list[str]]] = {
    "toolz": ("toolz==1.2.0", ["toolz/tests"]),
    "more_itertools": ("more-itertools==11.2.1", ["tests"]),
    "boltons": ("boltons==26.2.0", ["tests"]),
    # its other test modules need freezegun, which is not a dependency of dial
    "python_dateutil": ("python-dateutil==4.0.0", ["tests/test_relativedelta.py", "tests/test_easter.py",
                                                    "tests/test_parser.py", "tests/test_isoparser.py"]),
    "inflection": ("inflection==0.5.1", ["test_inflection.py"]),
}
FLIPS = {ast.Lt: "<=", ast.LtE: "<", ast.Gt: ">=", ast.GtE: ">", ast.Eq: "!=", ast.NotEq: "==",
         ast.Add: "-", ast.Sub: "+", ast.And: "or", ast.Or: "and"}
SYMBOLS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
           ast.Add: "+", ast.Sub: "-", ast.And: "and", ast.Or: "or"}
# Weights (agent.plan.localize.WEIGHTS_WITH_FAILURES) are tuned on the other projects only; this one is never
# looked at while tuning, and its numbers are reported separately.
HELD_OUT = {"more_itertools"}
MAX_FAILURE_CHARS = 40000
SLOW_CAP = {"more_itertools": 16}  # its suite takes about a minute per surviving mutant on 2 busy cores


@dataclass
class Mutant:
    path: str
    line: int
    col: int
    end_col: int
    old: str
    new: str
    func: str
    func_start: int
    func_end: int


def mutation_points(root: Path, rel: str) -> list[Mutant]:
    """Single-token mutations on one line inside a function of `rel`."""
    source = (root / rel).read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines()
    funcs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    out: list[Mutant] = []

    def enclosing(line: int) -> ast.AST | None:
        inside = [f for f in funcs if f.lineno <= line <= (f.end_lineno or f.lineno)]
        return min(inside, key=lambda f: (f.end_lineno or 0) - f.lineno) if inside else None

    def add(line: int, col: int, end: int, new: str) -> None:
        func = enclosing(line)
        if func is None or col >= end:
            return
        old = lines[line - 1][col:end]
        if old.strip() and old != new:
            start = min([func.lineno] + [d.lineno for d in func.decorator_list])
            out.append(Mutant(rel, line, col, end, old, new, func.name, start, func.end_lineno or func.lineno))

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in FLIPS:
            a, b = node.left, node.comparators[0]
            if a.end_lineno == b.lineno == node.lineno and a.end_col_offset is not None:
                seg = lines[node.lineno - 1][a.end_col_offset : b.col_offset]
                sym = SYMBOLS[type(node.ops[0])]
                if seg.strip() == sym:
                    add(node.lineno, a.end_col_offset, b.col_offset, seg.replace(sym, FLIPS[type(node.ops[0])]))
        elif isinstance(node, ast.BinOp) and type(node.op) in FLIPS:
            a, b = node.left, node.right
            if a.end_lineno == b.lineno == node.lineno and a.end_col_offset is not None:
                seg = lines[node.lineno - 1][a.end_col_offset : b.col_offset]
                sym = SYMBOLS[type(node.op)]
                if seg.strip() == sym:
                    add(node.lineno, a.end_col_offset, b.col_offset, seg.replace(sym, FLIPS[type(node.op)]))
        elif isinstance(node, ast.BoolOp) and len(node.values) == 2:
            a, b = node.values
            if a.end_lineno == b.lineno and a.end_col_offset is not None:
                seg = lines[b.lineno - 1][a.end_col_offset : b.col_offset]
                sym = SYMBOLS[type(node.op)]
                if seg.strip() == sym:
                    add(b.lineno, a.end_col_offset, b.col_offset, seg.replace(sym, FLIPS[type(node.op)]))
        elif isinstance(node, ast.Constant) and node.end_lineno == node.lineno and node.end_col_offset:
            if node.value is True or node.value is False:
                add(node.lineno, node.col_offset, node.end_col_offset, str(not node.value))
            elif type(node.value) is int and 0 <= node.value < 100:
                add(node.lineno, node.col_offset, node.end_col_offset, str(node.value + 1))
    return out


def source_files(root: Path, tests: list[str]) -> list[str]:
    out = []
    for p in sorted(root.rglob("*.py")):
        rel = p.relative_to(root).as_posix()
        parts = rel.split("/")
        if any(rel == t or rel.startswith(t.rstrip("/") + "/") for t in tests):
            continue
        if parts[0] in {"docs", "doc", "tests", "test", "benchmarks", "examples"} or "tests" in parts:
            continue
        if parts[-1] in {"setup.py", "conftest.py", "noxfile.py"} or parts[-1].startswith("test_"):
            continue
        out.append(rel)
    return out


def run_tests(root: Path, tests: list[str], deselect: list[str], timeout: float = 30) -> tuple[int, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(root / "src") if (root / "src").is_dir() else str(root)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "-W", "ignore",
            "--maxfail=3", *tests]
    for d in deselect:
        argv += ["--deselect", d]
    try:
        proc = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -1, "timeout"
    return proc.returncode, proc.stdout + proc.stderr


def failed_ids(output: str) -> list[str]:
    from agent.plan.trace import parse_failing_tests

    return [n for n in parse_failing_tests(output)]


def build_cases(name: str, per_project: int, seed: int) -> tuple[Path, list[dict[str, Any]]]:
    """Mutants of one project that make its tests fail, with the failing output (cached as JSON)."""
    spec, tests = PROJECTS[name]
    project, version = spec.split("==")
    root = extract(fetch_sdist(project.replace("-", "_"), version), CORPORA / "src" / f"{name}-{version}")
    cache = CORPORA / f"mutants-{name}-{version}-{seed}-{per_project}.json"
    if cache.exists():
        return root, json.loads(cache.read_text())
    began = time.perf_counter()
    code, output = run_tests(root, tests, [], timeout=600)
    limit = 3 * (time.perf_counter() - began) + 10  # a mutant slower than this loops: dropped, not waited for
    deselect = []
    for _ in range(5):  # tests failing on the pristine release (missing optional deps) are left out
        if code == 0:
            break
        bad = failed_ids(output)
        if not bad:
            raise SystemExit(f"{name}: tests do not run on the original:\n{output[-2000:]}")
        deselect += bad
        code, output = run_tests(root, tests, deselect, timeout=600)
    points = [m for rel in source_files(root, tests) for m in mutation_points(root, rel)]
    rng = random.Random(f"{seed}-{name}")
    rng.shuffle(points)
    cases: list[dict[str, Any]] = []
    for m in points[: min(per_project, SLOW_CAP.get(name, per_project))]:
        path = root / m.path
        original = path.read_text(encoding="utf-8")
        lines = original.splitlines(keepends=True)
        row = lines[m.line - 1]
        lines[m.line - 1] = row[: m.col] + m.new + row[m.end_col :]
        try:
            path.write_text("".join(lines), encoding="utf-8")
            code, output = run_tests(root, tests, deselect, timeout=limit)
        finally:
            path.write_text(original, encoding="utf-8")
        print(f"    {name} {m.path}:{m.line} {m.old!r}->{m.new!r}: exit {code}", file=sys.stderr, flush=True)
        if code not in (0, 5, -1) and failed_ids(output):
            cases.append({**m.__dict__, "output": output[-MAX_FAILURE_CHARS:], "failing": failed_ids(output)})
    cache.write_text(json.dumps(cases))
    return root, cases


def function_ranking_trace(index: Any, frames: list[Any]) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    for fr in frames:
        sym = index.symbol_at(fr.path, fr.line)
        key = (fr.path, sym.name, sym.start_line) if sym is not None else (fr.path, fr.func, fr.line)
        if key not in out:
            out.append(key)
    return out


class FunctionBm25:
    """Plain BM25 over each function's source text (function level) and each file's text (file level)."""

    def __init__(self, root: Path, symbols: list[Any], files: list[str]) -> None:
        from rank_bm25 import BM25Okapi

        from agent.plan.text import tokenize

        texts = {f: (root / f).read_text(encoding="utf-8", errors="replace").splitlines() for f in files}
        self.funcs = [s for s in symbols if s.kind in {"function", "method"} and s.path in texts]
        docs = [tokenize("\n".join(texts[s.path][s.start_line - 1 : s.end_line])) or ["_"] for s in self.funcs]
        self.fbm = BM25Okapi(docs)
        self.files = files
        self.filebm = BM25Okapi([tokenize("\n".join(texts[f])) or ["_"] for f in files])

    def rank(self, query: list[str]) -> tuple[list[str], list[tuple[str, str, int]]]:
        q = list(dict.fromkeys(query))
        fs = self.filebm.get_scores(q)
        files = [self.files[i] for i in sorted(range(len(self.files)), key=lambda i: -fs[i])]
        ss = self.fbm.get_scores(q)
        funcs = [self.funcs[i] for i in sorted(range(len(self.funcs)), key=lambda i: -ss[i])[:50]]
        return files, [(s.path, s.name, s.start_line) for s in funcs]


def hit_at(ranked: list[Any], match: Any, k: int) -> float:
    return 1.0 if any(match(r) for r in ranked[:k]) else 0.0


def evaluate(name: str, root: Path, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from agent.index.repo_index import RepoIndex
    from agent.plan import TaskInput
    from agent.plan.localize import IndexView, file_ranking, localise
    from agent.plan.text import tokenize
    from agent.plan.trace import parse_frames

    index = RepoIndex.open(root)
    index.update(progress=False)
    view = IndexView(index)
    files = sorted(f for f in view.files if f.endswith(".py"))
    bm = FunctionBm25(root, view.all_syms, files)
    rows = []
    for c in cases:
        text = "Make the failing tests pass:\n" + "\n".join(c["failing"])
        task = TaskInput(text=text, failures=c["output"], failing_tests=list(c["failing"]))
        loc = localise(index, task, repo=root, limit=60, view=view)
        dial_funcs = [(s.path, sym.name, s.start_line) for s, sym in zip(loc.sites, loc.symbols)]
        frames = parse_frames(c["output"], view.files, str(root))
        trace_funcs = function_ranking_trace(index, frames)
        bm_files, bm_funcs = bm.rank(tokenize(c["output"]))
        rankings = {
            "dial": (file_ranking(loc.sites), dial_funcs),
            "traceback": (list(dict.fromkeys(f.path for f in frames)), trace_funcs),
            "bm25": (bm_files, bm_funcs),
        }

        def is_func(r: tuple[str, str, int]) -> bool:
            return r[0] == c["path"] and r[1] == c["func"] and c["func_start"] - 1 <= r[2] <= c["line"]

        row: dict[str, Any] = {"project": name, "path": c["path"], "func": c["func"]}
        for method, (fl, fn) in rankings.items():
            for k in (1, 5, 10):
                row[f"{method}_file@{k}"] = hit_at(fl, lambda p: p == c["path"], k)
                row[f"{method}_func@{k}"] = hit_at(fn, is_func, k)
        rows.append(row)
    index.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", nargs="*", default=list(PROJECTS))
    parser.add_argument("--per-project", type=int, default=40, help="mutation attempts per project")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    for name in args.projects:
        started = time.perf_counter()
        root, cases = build_cases(name, args.per_project, args.seed)
        built = time.perf_counter() - started
        got = evaluate(name, root, cases)
        rows += got
        tried = min(args.per_project, SLOW_CAP.get(name, args.per_project))
        print(f"  {name}: {len(cases)} failing mutants of {tried} tried; build {built:.0f}s, "
              f"evaluate {time.perf_counter() - started - built:.1f}s", file=sys.stderr, flush=True)
    if not rows:
        raise SystemExit("no failing mutants")
    print(f"{len(rows)} bugs from {len(args.projects)} projects (recall %, one gold site per bug)")
    print("| half | bugs | ranking | file@1 | file@5 | file@10 | function@1 | function@5 | function@10 |")
    print("|---|---|---|---|---|---|---|---|---|")
    halves = [("tune", [r for r in rows if r["project"] not in HELD_OUT]),
              ("held-out", [r for r in rows if r["project"] in HELD_OUT]), ("all", rows)]
    for which, part in halves:
        if not part:
            continue
        for method in ("dial", "traceback", "bm25"):
            cells = [f"{100 * sum(r[f'{method}_{lvl}@{k}'] for r in part) / len(part):.1f}"
                     for lvl in ("file", "func") for k in (1, 5, 10)]
            print(f"| {which} | {len(part)} | {method} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

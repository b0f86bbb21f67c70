"""How well `dial plan` localises real issues and estimates their difficulty: SWE-bench django and sympy.

    python bench/swebench_bench.py                 # report on the held-out half
    python bench/swebench_bench.py --fit           # also refit the difficulty weights on the tune half
    python bench/swebench_bench.py --limit 40      # a quick look

Data: ../shared/swebench/django-sympy.jsonl (432 issues, human difficulty labels). Code: the PyPI sdist of the
release the issue's `version` names (last patch release of that minor version), cached in bench/.corpora/.
The release is close to the issue's base commit, not identical: numbers are file-level and approximate.
Only the package directory (django/, sympy/) is indexed, without its test directories: the gold patch's files
are never tests (tests come in `test_patch`), and both rankings see the same files.

Split: an issue is in the tune half when crc32(instance_id) is even, else in the report half. Weights were
tuned on the tune half only; the numbers printed under "report" are the held-out half.

Metrics: file recall@k = share of the gold patch's files found in the top k files, averaged over issues.
dial's file ranking is the order in which files first appear in its site ranking. The baseline is plain BM25
(rank-bm25) over each file's whole text, queried with the issue text. Difficulty: Spearman rank correlation
of `plan.difficulty` with the label (<15 min=0, 15 min-1 h=1, 1-4 h=2, >4 h=3), next to the issue length.
The planner sees only the issue text: FAIL_TO_PASS tests come with the fix, so they are not given to it.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import tarfile
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPORA = Path(__file__).resolve().parent / ".corpora"
DATA = ROOT.parent / "shared" / "swebench" / "django-sympy.jsonl"
LABELS = {"<15 min fix": 0, "15 min - 1 hour": 1, "1-4 hours": 2, ">4 hours": 3}
# version -> the last patch release of it on PyPI (what `pip download 'Django==3.0.*'` picks)
KEEP = {"django/django": ["3.0", "3.1", "3.2", "4.0", "4.1", "4.2", "5.0"],
        "sympy/sympy": ["1.1", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "1.11", "1.12"]}


def fetch_sdist(project: str, spec: str) -> Path:
    """Download (once) the sdist `project==spec` into bench/.corpora/sdists and return the tarball."""
    sdists = CORPORA / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    stem = spec.rstrip(".*")
    pattern = re.compile(rf"^{re.escape(project)}-{re.escape(stem)}(\.\d+)*(\.post\d+)?\.tar\.gz$", re.I)
    found = [p for p in sdists.iterdir() if pattern.match(p.name)]
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                        f"{project}=={spec}", "-d", str(sdists)], check=True)
        found = [p for p in sdists.iterdir() if pattern.match(p.name)]
    if not found:
        raise SystemExit(f"no sdist for {project}=={spec}")
    return max(found, key=lambda p: [int(x) if x.isdigit() else 0 for x in re.findall(r"\d+", p.name)])


def extract(tarball: Path, dest: Path, keep: Any = None) -> Path:
    """Unpack the sdist's top directory into `dest` (once); `keep(relpath)` filters members."""
    marker = dest / ".extracted"
    if marker.exists():
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            parts = member.name.split("/", 1)
            if len(parts) < 2 or not parts[1] or not (member.isfile() or member.isdir()):
                continue
            rel = parts[1]
            if keep is not None and not keep(rel):
                continue
            target = dest / rel
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            src = tar.extractfile(member)
            if src is not None:
                target.write_bytes(src.read())
    marker.write_text(tarball.name)
    return dest


def corpus_for(repo: str, version: str) -> Path:
    """The package directory of the release, tests left out, as bench/.corpora/src/<name>-<version>/."""
    project, package = ("Django", "django") if repo == "django/django" else ("sympy", "sympy")
    tarball = fetch_sdist(project, f"{version}.*")
    dest = CORPORA / "src" / f"{package}-{version}"

    def keep(rel: str) -> bool:
        return rel.startswith(package + "/") and "/tests/" not in rel and rel.endswith(".py")

    return extract(tarball, dest, keep)


def gold_files(patch: str) -> list[str]:
    return list(dict.fromkeys(re.findall(r"^diff --git a/(\S+) b/", patch, re.M)))


def spearman(xs: list[float], ys: list[float]) -> float:
    from scipy.stats import spearmanr

    if len(xs) < 3:
        return float("nan")
    return float(spearmanr(xs, ys).correlation)


def recall(ranked: list[str], gold: list[str], k: int) -> float:
    top = set(ranked[:k])
    return sum(1 for g in gold if g in top) / len(gold) if gold else 0.0


class PlainFileBm25:
    """The baseline: BM25 over each file's full text, query = the issue text, same tokenizer as dial."""

    def __init__(self, root: Path, files: list[str]) -> None:
        from rank_bm25 import BM25Okapi

        from agent.plan.text import path_words, tokenize

        self.files = files
        docs = []
        for f in files:
            try:
                text = (root / f).read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            docs.append(path_words(f) + tokenize(text) or ["_"])
        self.bm = BM25Okapi(docs)

    def ranking(self, text: str) -> list[str]:
        from agent.plan.text import tokenize

        scores = self.bm.get_scores(list(dict.fromkeys(tokenize(text))))
        order = sorted(range(len(self.files)), key=lambda i: -scores[i])
        return [self.files[i] for i in order]


def half(instance_id: str) -> str:
    return "tune" if zlib.crc32(instance_id.encode()) % 2 == 0 else "report"


def run(rows: list[dict[str, Any]], caps: Any) -> list[dict[str, Any]]:
    """Localise every issue once and keep every signal's values, so weights can be evaluated offline."""
    from agent.index.repo_index import RepoIndex
    from agent.plan import TaskInput, make_plan
    from agent.plan import difficulty as D
    from agent.plan.localize import IndexView, file_ranking, localise

    out: list[dict[str, Any]] = []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["repo"], row["version"]), []).append(row)
    for (repo, version), items in sorted(groups.items()):
        started = time.perf_counter()
        root = corpus_for(repo, version)
        index = RepoIndex.open(root)
        index.update(progress=False)
        view = IndexView(index)
        files = sorted(p for p in view.files if p.endswith(".py"))
        baseline = PlainFileBm25(root, files)
        source = D.SourceCache(root)
        built = time.perf_counter() - started
        for row in items:
            task = TaskInput(text=row["problem_statement"])
            loc = localise(index, task, repo=root, limit=60, view=view)
            keep: set[int] = set()
            near: set[int] = {s.id for s in loc.symbols[:30]}
            for values in loc.raw.values():
                top = sorted(values, key=lambda i: -values[i])
                keep.update(top[:400])
                near.update(top[:30])
            syms = {}
            for sid in keep:
                sym = view.by_id.get(sid)
                if sym is not None:
                    syms[str(sid)] = [sym.path, sym.start_line, sym.end_line, view.is_test(sym.path)]
            feats = {str(sid): D.edit_features(index, view.by_id[sid], source) for sid in near if sid in view.by_id}
            tf = D.task_features(task, loc)
            plan = make_plan(index, task, budget=32000, caps=caps, repo=root, site_limit=400, view=view)
            out.append({
                "instance_id": row["instance_id"], "repo": repo, "version": version,
                "half": half(row["instance_id"]), "label": LABELS.get(row["difficulty"] or ""),
                "gold": gold_files(row["patch"]), "bm25": baseline.ranking(row["problem_statement"])[:50],
                "length": len(row["problem_statement"]),
                "plan_files": file_ranking(plan.sites)[:50], "plan_difficulty": plan.difficulty,
                "sites": [site.to_json() for site in plan.sites[:8]],
                "raw": {k: {str(i): round(v, 5) for i, v in vals.items() if i in keep} for k, vals in loc.raw.items()},
                "syms": syms, "edit_features": feats,
                "text_features": {k: tf[k] for k in ("words", "code", "calls", "cue_hard", "cue_easy", "cue_feature",
                                                     "traceback", "prompt", "ticket", "tests", "test_files")},
            })
        print(f"  {repo} {version}: {len(items)} issues, {len(files)} files, index+baseline {built:.1f}s, "
              f"total {time.perf_counter() - started:.1f}s", file=sys.stderr, flush=True)
        index.close()
    return out


def evaluate(r: dict[str, Any], loc_w: dict[str, float], diff: tuple[float, dict[str, float]] | None = None
             ) -> tuple[list[str], float, dict[str, float]]:
    """Re-rank one issue offline with `loc_w` exactly as localize.combine + planner do; file ranking,
    difficulty and the difficulty features."""
    from agent.plan import difficulty as D
    from agent.plan.localize import TEST_FILE_FACTOR, entropy_of
    from agent.plan.planner import choose_edits
    from agent.plan.types import Site

    totals: dict[str, float] = {}
    for name, values in r["raw"].items():
        for sid, v in values.items():
            if sid in r["syms"]:
                totals[sid] = totals.get(sid, 0.0) + loc_w.get(name, 0.0) * v
    for sid in totals:
        if r["syms"][sid][3]:
            totals[sid] *= loc_w.get("test_file_factor", TEST_FILE_FACTOR)
    order = sorted(totals, key=lambda i: (-totals[i], r["syms"][i][0], r["syms"][i][1]))
    sites = [Site(r["syms"][i][0], i, r["syms"][i][1], r["syms"][i][2], totals[i]) for i in order[:400]]
    files = list(dict.fromkeys(s.path for s in sites))

    class _Loc:
        pass

    loc = _Loc()
    loc.sites = sites[:60]  # type: ignore[attr-defined]
    picked = choose_edits(loc, 5)
    ef = [r["edit_features"][sites[i].symbol] for i in picked if sites[i].symbol in r["edit_features"]]
    scores = [s.score for s in sites[:60]]
    top = scores[0] if scores else 0.0
    second = scores[1] if len(scores) > 1 else 0.0
    nearby = {s.path for s in sites[:10] if top > 0 and s.score >= D.SPAN_RATIO * top}
    feats = {**r["text_features"], "entropy": entropy_of(scores),
             "margin": (top - second) / top if top > 0 else 0.0, "span": math.log(max(1, len(nearby))),
             **D.mean_features(ef)}
    if diff is None:
        difficulty = D.logistic(D.score(feats))
    else:
        bias, weights = diff
        difficulty = D.logistic(bias + sum(weights[k] * v for k, v in feats.items()))
    return files, difficulty, feats


def fit(feats: list[dict[str, float]], labels: list[float], ridge: float = 3.0) -> tuple[float, dict[str, float]]:
    """Ridge regression of the label on standardised features; returns raw-unit (bias, weights) with z spread 1."""
    import numpy as np

    names = list(feats[0])
    x = np.array([[f[n] for n in names] for f in feats], dtype=float)
    y = np.array(labels, dtype=float)
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = (x - mu) / sd
    w = np.linalg.solve(z.T @ z + ridge * np.eye(len(names)), z.T @ (y - y.mean()))
    spread = float((z @ w).std()) or 1.0
    weights = {n: float(w[i] / sd[i] / spread) for i, n in enumerate(names)}
    bias = -sum(weights[n] * float(mu[i]) for i, n in enumerate(names)) - 0.35
    print("CENTRES =", json.dumps({n: round(float(mu[i]), 3) for i, n in enumerate(names)}), "BIAS = -0.35")
    return bias, weights


def tune_localisation(results: list[dict[str, Any]]) -> dict[str, float]:
    """Coordinate search of the text-signal weights for file recall@5 (then @1) on the tune half."""
    from agent.plan.localize import WEIGHTS

    tune = [r for r in results if r["half"] == "tune" and r["gold"]]
    best = dict(WEIGHTS)

    def value(w: dict[str, float]) -> tuple[float, float]:
        ranks = [evaluate(r, w)[0] for r in tune]
        return (sum(recall(f, r["gold"], 5) for f, r in zip(ranks, tune)),
                sum(recall(f, r["gold"], 1) for f, r in zip(ranks, tune)))

    current = value(best)
    for _ in range(2):
        for key in ("lexical", "file", "text", "body", "mention", "path", "prose", "stem", "pagerank", "recency"):
            for factor in (0.0, 0.5, 0.75, 1.5, 2.0):
                trial = dict(best, **{key: round(best[key] * factor, 3) if best[key] else factor})
                got = value(trial)
                if got > current:
                    best, current = trial, got
    return best


def summary(results: list[dict[str, Any]], which: str) -> dict[str, Any]:
    rows = [r for r in results if r["half"] == which or which == "all"]
    rows_g = [r for r in rows if r["gold"]]
    out: dict[str, Any] = {"issues": len(rows)}
    for name in ("dial", "bm25"):
        for k in (1, 5, 10):
            out[f"{name}_r@{k}"] = round(100 * sum(recall(r[name], r["gold"], k) for r in rows_g) / len(rows_g), 1)
    lab = [r for r in rows if r["label"] is not None]
    out["labelled"] = len(lab)
    out["spearman_dial"] = round(spearman([r["difficulty"] for r in lab], [r["label"] for r in lab]), 3)
    out["spearman_length"] = round(spearman([r["length"] for r in lab], [r["label"] for r in lab]), 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="at most this many issues (0 = all kept)")
    parser.add_argument("--fit", action="store_true", help="refit difficulty weights on the tune half")
    parser.add_argument("--cache", default=str(CORPORA / "swebench_results.json"), help="per-issue results file")
    parser.add_argument("--reuse", action="store_true", help="reuse the results file instead of planning again")
    parser.add_argument("--refine", metavar="MODEL", default=None,
                        help="also measure the optional model refinement of the difficulty with this provider:model "
                             "(one call per labelled issue; needs its API key)")
    args = parser.parse_args()
    from agent.models.capabilities import get_capabilities

    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    rows = [r for r in rows if r["version"] in KEEP.get(r["repo"], [])]
    if args.limit:
        rows = sorted(rows, key=lambda r: zlib.crc32(r["instance_id"].encode()))[: args.limit]
    cache = Path(args.cache)
    if args.reuse and cache.exists():
        results = json.loads(cache.read_text())
    else:
        started = time.perf_counter()
        results = run(rows, get_capabilities("anthropic:claude-sonnet-4-5"))
        print(f"planned {len(results)} issues in {time.perf_counter() - started:.0f}s", file=sys.stderr)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(results))
    from agent.plan.localize import WEIGHTS

    loc_w = dict(WEIGHTS)
    diff = None
    if args.fit:
        loc_w = tune_localisation(results)
        print("localisation WEIGHTS tuned on the tune half:", json.dumps(loc_w))
        tune = [r for r in results if r["half"] == "tune" and r["label"] is not None]
        feats = [evaluate(r, loc_w)[2] for r in tune]
        diff = fit(feats, [r["label"] for r in tune])
        print("difficulty fitted on the tune half: BIAS =", round(diff[0], 3))
        print("WEIGHTS =", json.dumps({k: round(v, 3) for k, v in diff[1].items()}))
    exact = not args.fit and all("plan_files" in r for r in results)
    for r in results:
        if exact:  # what make_plan itself returned with the weights in the code
            r["dial"], r["difficulty"] = r["plan_files"], r["plan_difficulty"]
        else:  # re-ranked offline from the stored signals (same formula; used for tuning)
            r["dial"], r["difficulty"], _ = evaluate(r, loc_w, diff)
    print("dial numbers:", "make_plan output" if exact else "offline re-ranking of stored signals")
    print("| half | issues | dial r@1 | dial r@5 | dial r@10 | BM25 r@1 | BM25 r@5 | BM25 r@10 | labelled "
          "| Spearman dial | Spearman length |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for which in ("tune", "report", "all"):
        s = summary(results, which)
        print(f"| {which} | {s['issues']} | {s['dial_r@1']} | {s['dial_r@5']} | {s['dial_r@10']} | {s['bm25_r@1']} "
              f"| {s['bm25_r@5']} | {s['bm25_r@10']} | {s['labelled']} | {s['spearman_dial']} | "
              f"{s['spearman_length']} |")
    if args.refine:
        from bench.swebench_refine import rate, report

        rate(results, {r["instance_id"]: r for r in rows}, args.refine, cache)
        report(results, args.refine, spearman)


if __name__ == "__main__":
    main()

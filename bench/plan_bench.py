"""How long `dial plan` takes on a large repo, with the fitted BM25 models cached in .dial/ and without.

    python bench/plan_bench.py [--corpus django] [--repeats 3]

Each run is a fresh `dial plan TASK --json` process on the corpus of bench/index_bench.py (django 5.1.4 from
PyPI, indexed first, so only planning is timed). Without: `.dial/plan-bm25.npz` deleted before the run, so
the four BM25 models are fitted from the files and symbols (and saved). With: the file from the previous run
is loaded. Both print the same plan (checked). Never collected by pytest (not named test_*).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from index_bench import ensure_corpus  # noqa: E402 - the shared corpus download

TASKS = [
    "QuerySet.bulk_create crashes on conflicting unique fields with update_conflicts",
    "slugify should strip leading and trailing dashes and underscores",
]


def plan_once(repo: Path, task: str) -> tuple[float, str]:
    dial = Path(sys.executable).with_name("dial")
    started = time.perf_counter()
    out = subprocess.run([str(dial), "plan", task, "--json"], cwd=repo, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="django")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    repo = ensure_corpus(args.corpus)
    cache = repo / ".dial" / "plan-bm25.npz"
    subprocess.run([str(Path(sys.executable).with_name("dial")), "index"], cwd=repo, check=True, capture_output=True)
    print(f"| task | without cache (fit) | with cache (load) | ratio |\n|---|---|---|---|")
    for task in TASKS:
        cold, warm = [], []
        for _ in range(args.repeats):
            cache.unlink(missing_ok=True)
            seconds, fitted = plan_once(repo, task)
            cold.append(seconds)
            seconds, loaded = plan_once(repo, task)
            warm.append(seconds)
            if fitted != loaded:
                raise SystemExit(f"the cached models planned differently for {task!r}")
        c, w = statistics.median(cold), statistics.median(warm)
        print(f"| {task[:50]} | {c:.2f} s | {w:.2f} s | {c / w:.1f}x |")
    print(f"cache file: {cache.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

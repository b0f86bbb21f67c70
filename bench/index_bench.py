"""Benchmark of dial's repo index against the tree-sitter floor, universal-ctags and aider's repo map.

    python bench/index_bench.py [--corpus django --corpus sympy] [--repeats 5] [--no-aider]

Each dial cold build runs right after one floor run (so both see the same machine load; the table gives the
median ratio and the range of the per-run pairs) and the CPU seconds of both are reported: dial parses on
every core, the floor in one process, so on a machine busy with other jobs the wall ratio tends to the CPU ratio.
Corpora come from PyPI sdists (`pip download --no-deps --no-binary :all:`), unpacked under bench/.corpora/,
`git init`-ed and committed. Every dial measurement runs `dial` in a fresh subprocess (so Python start-up is
included) and reports the median of the repeats; peak RSS is the dial process's own maximum plus the largest
pool worker's. aider-chat is installed into a throwaway venv under bench/.work/ and its `RepoMap` is driven
directly (cold: empty tag cache; warm: a new process with the cache on disk). Quality probes are plain-text
task sentences naming one django function: does the function, with its file, reach a 1024-token map?
Never collected by pytest (not named test_*).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPORA = HERE / ".corpora"
WORK = HERE / ".work"
AIDER_VENV = WORK / "aider-venv"
CORPUS_SPECS = {"django": ("django==5.1.4", "Django-5.1.4"), "sympy": ("sympy==1.14.0", "sympy-1.14.0")}
EDIT_FILE = {"django": "django/utils/text.py", "sympy": "sympy/core/add.py"}

# sentence -> (file that defines it, function name)
PROBES = {
    "the bug is in how slugify handles leading dashes": ("django/utils/text.py", "slugify"),
    "get_random_string returns fewer characters than it was asked for": ("django/utils/crypto.py", "get_random_string"),
    "parse_duration rejects negative ISO 8601 durations": ("django/utils/dateparse.py", "parse_duration"),
    "is_same_domain matches a wildcard pattern too broadly": ("django/utils/http.py", "is_same_domain"),
    "timesince shows the wrong number of months around leap years": ("django/utils/timesince.py", "timesince"),
    "constant_time_compare fails when one argument is a str and the other bytes": ("django/utils/crypto.py", "constant_time_compare"),
    "normalize_newlines leaves a lone carriage return in place": ("django/utils/text.py", "normalize_newlines"),
    "escape_uri_path double-encodes percent signs": ("django/utils/encoding.py", "escape_uri_path"),
    "naturaltime says 'now' for dates a few seconds in the future": ("django/contrib/humanize/templatetags/humanize.py", "naturaltime"),
    "the problem is that get_valid_filename lets dots through as a whole name": ("django/utils/text.py", "get_valid_filename"),
}

RUN_DIAL = (
    "import json, resource, sys; from agent.cli.main import main; rc = main(sys.argv[1:]); "
    "s = resource.getrusage(resource.RUSAGE_SELF); c = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "cpu = s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime; "
    "print(json.dumps({'rc': rc, 'self_kb': s.ru_maxrss, 'child_kb': c.ru_maxrss, 'cpu': cpu}), file=sys.stderr); sys.exit(rc)"
)

FLOOR = '''
import sys, time
from pathlib import Path
from tree_sitter import Query, QueryCursor
from tree_sitter_language_pack import get_language, get_parser
from agent.index.files import discover
from agent.index.languages import query_source
root = Path(sys.argv[1])
start, cpu = time.perf_counter(), time.process_time()
tools = {}
for cand in discover(root, [], 1_000_000).candidates:
    if cand.language not in tools:
        tools[cand.language] = (get_parser(cand.language), Query(get_language(cand.language), query_source(cand.language)))
    parser, query = tools[cand.language]
    tree = parser.parse((root / cand.path).read_bytes())
    QueryCursor(query).captures(tree.root_node)
print(time.perf_counter() - start, time.process_time() - cpu)
'''

AIDER_DRIVER = '''
import json, os, re, shutil, sys, time, warnings
warnings.simplefilter("ignore")
start_process = float(sys.argv[4])
from aider.io import InputOutput
from aider.repomap import RepoMap

class Model:
    """Token counting like dial's estimate (chars/4): no tokenizer download, same yardstick."""
    info = {}
    def token_count(self, text):
        return len(text) // 4

root, mode, probes_file = sys.argv[1], sys.argv[2], sys.argv[3]
if mode == "cold":
    for name in os.listdir(root):
        if name.startswith(".aider.tags.cache"):
            shutil.rmtree(os.path.join(root, name))
files = [os.path.join(root, f) for f in os.popen(f"git -C {root} ls-files").read().split()]
io = InputOutput(pretty=False, yes=True, fancy_input=False)
rm = RepoMap(map_tokens=1024, root=root, main_model=Model(), io=io)
t = time.perf_counter()
rm.get_repo_map([], files)
out = {"seconds": time.perf_counter() - t, "process_seconds": time.time() - start_process, "maps": {}}
for sentence in json.load(open(probes_file)) if probes_file != "-" else []:
    idents = set(re.split(r"\\W+", sentence))
    rm.map_cache = {}
    out["maps"][sentence] = rm.get_repo_map([], files, mentioned_idents=idents) or ""
print(json.dumps(out))
'''


def sh(argv: list[str], cwd: Path | None = None, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=check)


def ensure_corpus(name: str) -> Path:
    """Download, unpack, git init and commit a corpus once; later runs reuse it."""
    spec, dirname = CORPUS_SPECS[name]
    dest = CORPORA / name
    if (dest / ".git").is_dir():
        return dest
    dl = CORPORA / "dl"
    dl.mkdir(parents=True, exist_ok=True)
    sh([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", spec, "-d", str(dl), "-q"])
    archive = next(p for p in dl.iterdir() if p.name.lower().startswith(dirname.lower()) and p.name.endswith(".tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(CORPORA, filter="data")
    shutil.rmtree(dest, ignore_errors=True)
    (CORPORA / archive.name[: -len(".tar.gz")]).rename(dest)
    sh(["git", "init", "-q"], cwd=dest)
    sh(["git", "add", "-A"], cwd=dest)
    sh(["git", "-c", "user.email=bench@example.com", "-c", "user.name=bench", "commit", "-qm", "corpus"], cwd=dest)
    return dest


def dial(repo: Path, *args: str) -> tuple[float, dict, str]:
    """Run dial in a fresh process: (wall seconds, rusage report, stdout)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", RUN_DIAL, *args, "--repo", str(repo)], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"dial {' '.join(args)} failed:\n{proc.stderr}")
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return wall, report, proc.stdout


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def measure_dial(repo: Path, name: str, repeats: int, floors: list[dict]) -> dict:
    """dial's figures; each cold build runs right after one floor run, so both see the same machine load."""
    cold, cold_cpu, warm, edit, maps, rss = [], [], [], [], [], []
    for _ in range(repeats):
        floors.append(floor_once(repo))
        shutil.rmtree(repo / ".dial", ignore_errors=True)
        wall, report, _ = dial(repo, "index", "--json")
        cold.append(wall)
        cold_cpu.append(report["cpu"])
        rss.append((report["self_kb"] + report["child_kb"]) / 1024)
    stats = json.loads(dial(repo, "index", "--json")[2])
    for _ in range(repeats):
        warm.append(dial(repo, "index", "--json")[0])
    target = repo / EDIT_FILE[name]
    original = target.read_bytes()
    try:
        for i in range(repeats):
            target.write_bytes(original + f"\n\ndef _bench_probe_{i}(value):\n    return slugify(value)\n".encode())
            wall, _, out = dial(repo, "index", "--json")
            assert json.loads(out)["reparsed"] == 1
            edit.append(wall)
    finally:
        target.write_bytes(original)
        dial(repo, "index", "--json")
    dial(repo, "map", "--query", "warm the graph cache", "--tokens", "1024", "--json")
    for sentence in list(PROBES)[:repeats]:
        wall, report, _ = dial(repo, "map", "--query", sentence, "--tokens", "1024", "--json")
        maps.append(wall)
        rss.append((report["self_kb"] + report["child_kb"]) / 1024)
    return {"cold": median(cold), "cold_cpu": median(cold_cpu), "cold_runs": cold, "warm": median(warm), "edit": median(edit), "map": median(maps),
            "map_in_process": map_in_process(repo), "rss_mb": max(rss), "stats": stats}


def map_in_process(repo: Path) -> float:
    """One map query inside a process that already has the index open (how the agent uses it)."""
    sys.path.insert(0, str(ROOT))
    from agent.index import RepoIndex

    with RepoIndex.open(repo) as idx:
        idx.repo_map("warm up", 1024)
        times = []
        for sentence in PROBES:
            start = time.perf_counter()
            idx.repo_map(sentence, 1024)
            times.append(time.perf_counter() - start)
    return median(times)


def floor_once(repo: Path) -> dict:
    """One floor run: its own timing (after imports), CPU seconds, and the whole process's wall time."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    seconds, cpu = map(float, sh([sys.executable, "-c", FLOOR, str(repo)], env=env).stdout.split())
    return {"seconds": seconds, "cpu": cpu, "process": time.perf_counter() - start}


def measure_ctags(repo: Path, repeats: int) -> float | None:
    if not shutil.which("ctags"):
        return None
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        sh(["ctags", "-R", "-f", str(WORK / "tags"), "--exclude=.git", "--exclude=.dial", "."], cwd=repo)
        times.append(time.perf_counter() - start)
    return median(times)


def aider_python() -> Path | None:
    """aider-chat in a throwaway venv; None (with the reason printed) when it cannot be installed."""
    python = AIDER_VENV / "bin" / "python"
    if python.exists() and sh([str(python), "-c", "import aider.repomap"], check=False).returncode == 0:
        return python
    WORK.mkdir(parents=True, exist_ok=True)
    sh([sys.executable, "-m", "venv", str(AIDER_VENV)])
    proc = sh([str(python), "-m", "pip", "install", "-q", "aider-chat"], check=False)
    if proc.returncode != 0:
        print(f"aider-chat did not install: {proc.stderr.strip().splitlines()[-1:]}")
        return None
    return python


def measure_aider(repo: Path, repeats: int) -> dict | None:
    python = aider_python()
    if python is None:
        return None
    driver = WORK / "aider_drive.py"
    driver.write_text(AIDER_DRIVER)
    probes = WORK / "probes.json"
    probes.write_text(json.dumps(list(PROBES)))
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True", AIDER_ANALYTICS="false")

    def run(mode: str, probe_file: str) -> dict:
        start = time.perf_counter()
        proc = subprocess.run([str(python), str(driver), str(repo), mode, probe_file, str(time.time())],
                              capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr[-2000:])
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        out["wall"] = time.perf_counter() - start
        return out

    try:
        cold = [run("cold", "-") for _ in range(max(1, repeats // 2))]
        warm = [run("warm", "-") for _ in range(max(1, repeats // 2))]
        probes_run = run("warm", str(probes))
    except RuntimeError as exc:
        print(f"aider's RepoMap failed: {exc}")
        return None
    return {"cold": median([c["seconds"] for c in cold]), "cold_process": median([c["wall"] for c in cold]),
            "warm": median([w["seconds"] for w in warm]), "maps": probes_run["maps"]}


def dial_probes(repo: Path) -> dict[str, bool]:
    sys.path.insert(0, str(ROOT))
    from agent.index import RepoIndex

    hits = {}
    with RepoIndex.open(repo) as idx:
        for sentence, (path, func) in PROBES.items():
            repo_map = idx.repo_map(sentence, 1024)
            hits[sentence] = any(f.path == path and func in {s.name for s in f.symbols} for f in repo_map.files)
    return hits


def aider_hit(text: str, path: str, func: str) -> bool:
    if f"{path}:" not in text:
        return False
    section = text.split(f"{path}:", 1)[1].split("\n\n", 1)[0]
    return f"def {func}(" in section


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append", choices=sorted(CORPUS_SPECS))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-aider", action="store_true")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in args.corpus or ["django"]:
        repo = ensure_corpus(name)
        print(f"== {name}: {repo}  (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)", flush=True)
        row: dict = {"load_start": os.getloadavg()[0]}
        row["ctags"] = measure_ctags(repo, args.repeats)
        floors: list[dict] = []
        row["dial"] = measure_dial(repo, name, args.repeats, floors)
        row["floor_runs"] = floors
        row["floor"] = median([f["seconds"] for f in floors])
        row["floor_process"] = median([f["process"] for f in floors])
        row["floor_cpu"] = median([f["cpu"] for f in floors])
        print(f"floor {row['floor']:.2f}s  ctags {row['ctags']}", flush=True)
        print(json.dumps(row["dial"]), flush=True)
        row["aider"] = None if args.no_aider else measure_aider(repo, args.repeats)
        if name == "django":
            row["dial_probes"] = dial_probes(repo)
            if row["aider"]:
                row["aider_probes"] = {s: aider_hit(row["aider"]["maps"].get(s, ""), *PROBES[s]) for s in PROBES}
        row["load_end"] = os.getloadavg()[0]
        results[name] = row
    (WORK / f"results-{'-'.join(results)}.json").write_text(json.dumps(results, indent=1, default=str))
    print_table(results)


def print_table(results: dict) -> None:
    for name, row in results.items():
        d, a = row["dial"], row.get("aider")
        s = d["stats"]
        print(f"\n### {name}: {s['files']} files, {s['symbols']} symbols, {s['references']} references, {s['edges']} edges"
              f" (load average {row['load_start']:.1f} at start, {row['load_end']:.1f} at end, {os.cpu_count()} cores)\n")
        print("| measure | dial | tree-sitter floor | ctags -R | aider RepoMap | ratios |")
        print("|---|---|---|---|---|---|")
        ctags = f"{row['ctags']:.2f} s" if row["ctags"] else "n/a"
        ac = f"{a['cold']:.1f} s ({a['cold_process']:.1f} s process)" if a else "n/a"
        pairs = [c / f["seconds"] for c, f in zip(d["cold_runs"], row["floor_runs"])]
        ratio = (f"{d['cold'] / row['floor']:.2f}x floor (per-run pairs {min(pairs):.2f}-{max(pairs):.2f}x)"
                 + (f", {a['cold'] / d['cold']:.1f}x faster than aider" if a else ""))
        print(f"| cold index | {d['cold']:.2f} s | {row['floor']:.2f} s ({row['floor_process']:.2f} s process) | {ctags} | {ac} | {ratio} |")
        print(f"| cold index, CPU seconds | {d['cold_cpu']:.1f} s (all processes) | {row['floor_cpu']:.1f} s (one process) | | | |")
        aw = f"{a['warm']:.2f} s" if a else "n/a"
        wr = f"{a['warm'] / d['warm']:.0f}x faster than aider" if a else ""
        print(f"| warm, no change | {d['warm']:.2f} s | | | {aw} | {wr} |")
        print(f"| one file edited | {d['edit']:.2f} s | | | | |")
        print(f"| one map query (1024 tokens) | {d['map']:.2f} s process, {d['map_in_process']:.3f} s in-process | | | | |")
        print(f"| peak RSS | {d['rss_mb']:.0f} MB | | | | |")
        if "dial_probes" in row:
            dp = sum(row["dial_probes"].values())
            ap = sum(row["aider_probes"].values()) if "aider_probes" in row else None
            print(f"\nquality: the named function with its file in a 1024-token map: dial {dp}/{len(PROBES)}"
                  + (f", aider {ap}/{len(PROBES)}" if ap is not None else ""))
            for sentence, hit in row["dial_probes"].items():
                other = row.get("aider_probes", {}).get(sentence)
                print(f"- {'yes' if hit else 'NO '} dial" + (f" / {'yes' if other else 'no '} aider" if other is not None else "")
                      + f": {sentence}")


if __name__ == "__main__":
    main()

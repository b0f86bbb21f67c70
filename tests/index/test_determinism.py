"""The same tree gives the same index in every process: hash seeds and pool scheduling must not leak in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from agent.index import RepoIndex
from tests.index.helpers import make_repo

ROOT = Path(__file__).resolve().parents[2]

# `log` is imported twice; the later import (source order) is the one a bare `log(...)` is hinted to
SOURCE = (
    "from math import log\n"
    "import os.path\n"
    "from pkg.exp import log\n"
    "from pkg import helpers\n\n\n"
    "def f(x):\n"
    "    return log(x) + helpers.g(os.path.join(x))\n"
)

EXTRACT = (
    "import json, sys; from agent.index.extract import extract; "
    "d, r, e = extract(sys.stdin.buffer.read(), 'python', 'pkg/mod.py'); print(json.dumps(r))"
)


def _refs_with_seed(seed: str) -> list:
    env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", EXTRACT], input=SOURCE.encode(), capture_output=True, env=env,
                          check=True, timeout=60)
    return json.loads(proc.stdout)


def test_extraction_is_the_same_under_any_hash_seed() -> None:
    runs = [_refs_with_seed(seed) for seed in ("0", "1", "2", "3")]
    assert all(r == runs[0] for r in runs[1:])
    hints = {(name, line): hint for name, line, kind, _, hint in runs[0] if kind == "call"}
    assert hints[("log", 8)] == "pkg.exp.log"  # the later import wins, as it would at run time
    assert hints[("g", 8)] == "pkg.helpers.g"
    assert hints[("join", 8)] == "os.path.join"


def test_cold_builds_of_one_tree_are_identical(tmp_path: Path) -> None:
    """Two pooled cold builds (ids included): numbering follows the job list, not which worker finished first."""
    files = {f"pkg/m{i}.py": f"from pkg.m{(i + 1) % 60} import f{(i + 1) % 60}\n\n\ndef f{i}(x):\n"
             f"    return f{(i + 1) % 60}(x) + {'x' * (i % 7)}len(x)\n" for i in range(60)}
    files["pkg/exp.py"] = "def log(x):\n    return x\n"
    files["pkg/mod.py"] = SOURCE
    tables = []
    for name in ("a", "b"):
        repo = make_repo(tmp_path / name, files=files)
        with RepoIndex.open(repo) as idx:
            assert idx.update(progress=False).reparsed == len(files)
            tables.append({t: idx.con.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall()
                           for t in ("symbols", "refs", "edges")})
            tables[-1]["files"] = idx.con.execute("SELECT id, path, hash, skip, errors FROM files ORDER BY id").fetchall()
    assert tables[0] == tables[1]
    assert len(tables[0]["edges"]) > 60

"""Golden files per language: a small project each, its definitions, references and a map.

Regenerate after an intended change with `DIAL_UPDATE_GOLDEN=1 pytest tests/index/test_languages.py`
and review the diff of tests/index/golden/.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from agent.index import RepoIndex
from tests.index.helpers import make_repo

GOLDEN = Path(__file__).parent / "golden"

# language fixture -> (map query, a definition that must exist, a (caller, callee) edge that must exist)
CASES = {
    "python": ("to_cents rounds wrong", "shop.cart.Cart.describe", ("shop.cart.Item.total", "shop.money.to_cents")),
    "javascript": ("increment is off by one", "math.Counter.increment", ("app.main", "math.Counter.increment")),
    "typescript": ("the Circle area is wrong", "shapes.Circle.area", ("shapes.Circle.area", "shapes.square")),
    "go": ("Square overflows", "geo.geo.Square", ("main.main", "geo.geo.Square")),
    "rust": ("square of a circle", "lib.Circle.new", ("lib.Circle.area", "util.square")),
    "java": ("area of Circle", "shapes.Circle.Circle.area", ("shapes.Circle.Circle.area", "shapes.Circle.MathUtil.square")),
    "c": ("dist returns garbage", "geo.dist", ("geo.main", "geo.dist")),
    "cpp": ("Circle area", "shapes.geo.Circle.area", ("shapes.main", "shapes.geo.Circle.area")),
    "ruby": ("circle area", "shapes.Shapes.Circle.area", ("app.main", "shapes.Shapes.Circle.area")),
}


def _snapshot(idx: RepoIndex, query: str) -> dict:
    syms = list(idx.all_symbols())
    names = {s.id: s.qualname for s in syms}
    refs = []
    for path in idx.files():
        for r in idx.con.execute(
            "SELECT r.name, r.line, r.kind, r.enclosing_id FROM refs r JOIN files f ON f.id = r.file_id "
            "WHERE f.path = ? ORDER BY r.line, r.name, r.kind", (path,)):
            refs.append(f"{path}:{r[1]} {r[2]} {r[0]} in {names.get(r[3], '?')}")
    repo_map = idx.repo_map(query, tokens=256)
    return {
        "definitions": [f"{s.path}:{s.start_line}-{s.end_line} {s.kind} {s.qualname} | {s.signature} | {s.doc}" for s in syms],
        "references": refs,
        "map": repo_map.text.splitlines(),
    }


@pytest.mark.parametrize("language", sorted(CASES))
def test_golden(language: str, tmp_path: Path) -> None:
    query, must_define, (caller, callee) = CASES[language]
    repo = make_repo(tmp_path / language, language)
    with RepoIndex.open(repo) as idx:
        stats = idx.update(progress=False)
        assert stats.files >= 2 and stats.skipped == {}
        snap = _snapshot(idx, query)
        golden = GOLDEN / f"{language}.json"
        if os.environ.get("DIAL_UPDATE_GOLDEN") == "1":
            golden.write_text(json.dumps(snap, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        assert snap == json.loads(golden.read_text(encoding="utf-8"))
        # the behaviour the golden file encodes, stated directly
        assert idx.definitions(must_define), f"{must_define} not defined"
        targets = [s for s in idx.definitions(callee) if s.qualname == callee]  # C: header + source
        assert targets
        assert caller in {s.qualname for t in targets for s, _ in idx.callers(t.id)}
        assert snap["map"], "empty map"


def test_new_language_needs_only_a_query_file() -> None:
    from agent.index.languages import EXTENSIONS, QUERY_DIR

    for lang in sorted(set(CASES) | {"tsx"}):
        assert (QUERY_DIR / f"{lang}.scm").is_file()
        assert lang in EXTENSIONS.values()

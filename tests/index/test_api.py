"""The index's exported API: the names and signatures the planner and tools code against."""

from __future__ import annotations

import inspect

import agent.index as index


def test_exported_names() -> None:
    assert set(index.__all__) == {
        "IndexStats", "MapFile", "MapSymbol", "Reference", "RepoIndex", "RepoMap", "Seeds", "Symbol",
        "estimate_tokens", "health",
    }
    for name in index.__all__:
        assert getattr(index, name) is not None


def test_repo_index_signatures() -> None:
    expected = {
        "open": ["repo", "config"], "update": ["self", "progress"], "update_files": ["self", "paths"],
        "definitions": ["self", "name"], "references": ["self", "name"], "all_symbols": ["self"],
        "symbols_in_file": ["self", "path"], "symbol_at": ["self", "path", "line"],
        "symbol_by_id": ["self", "symbol_id"], "callers": ["self", "symbol_id"], "callees": ["self", "symbol_id"],
        "fan_in": ["self", "symbol_id"], "fan_out": ["self", "symbol_id"],
        "tests_for_symbols": ["self", "symbol_ids"], "is_test_file": ["self", "path"], "files": ["self"],
        "rank": ["self", "seeds", "limit"], "repo_map": ["self", "query", "tokens", "seeds", "count_tokens"],
        "close": ["self"],
    }
    for method, params in expected.items():
        assert list(inspect.signature(getattr(index.RepoIndex, method)).parameters)[: len(params)] == params, method
    assert list(inspect.signature(index.Seeds.from_task).parameters) == ["text", "failures", "diff_paths"]
    fields = [f for f in index.Symbol.__dataclass_fields__]
    assert fields == ["id", "name", "qualname", "kind", "path", "language", "start_line", "end_line", "signature", "doc"]
    assert list(index.Reference.__dataclass_fields__) == ["name", "path", "line", "kind", "enclosing_id"]
    assert index.estimate_tokens("abcd" * 10) == 10 and index.estimate_tokens("abc") == 1


def test_update_runs_the_callers_work_while_git_lists_files_but_not_during_a_cold_build(py_repo) -> None:  # noqa: ANN001
    calls: list[str] = []
    with index.RepoIndex.open(py_repo) as idx:
        cold = idx.update(progress=False, meanwhile=lambda: calls.append("cold"))
        assert cold.reparsed == 5 and calls == []  # a cold build spends that time loading the parsers
        warm = idx.update(progress=False, meanwhile=lambda: calls.append("warm"))
        assert warm.reparsed == 0 and calls == ["warm"]

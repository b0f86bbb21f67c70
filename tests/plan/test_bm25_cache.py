"""The planner's fitted BM25 models kept in .dial/ between processes: the same plan, refreshed on any change,
never trusted when foreign or broken."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agent.index import RepoIndex
from agent.plan import TaskInput
from agent.plan.bm25_cache import FILE_NAME
from agent.plan.lexical import SparseBm25
from agent.plan.localize import IndexView, localise
from tests.plan.conftest import FILES, make_git_repo

TASK = TaskInput(text="the average word length of a text is off by one")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_git_repo(tmp_path / "textkit", FILES)


def _plan(root: Path, task: TaskInput = TASK) -> tuple[list[tuple[str, str, float]], str]:
    with RepoIndex.open(root) as idx:
        idx.update(progress=False)
        view = IndexView(idx)
        loc = localise(idx, task, repo=root, view=view)
        return [(s.path, s.symbol, s.score) for s in loc.sites], view.cache_state


def test_the_second_process_loads_the_models_and_plans_exactly_the_same(repo: Path) -> None:
    first, state1 = _plan(repo)
    assert state1 == "saved" and (repo / ".dial" / FILE_NAME).is_file()
    second, state2 = _plan(repo)
    assert state2 == "loaded" and second == first


def test_an_edit_fits_the_models_again_and_the_new_text_counts(repo: Path) -> None:
    _plan(repo)
    task = TaskInput(text="zanzibar quokka")
    before, _ = _plan(repo, task)
    assert all(symbol != "textkit.tokens.quokka_words" for _p, symbol, _s in before)
    with (repo / "textkit" / "tokens.py").open("a") as fh:
        fh.write("\n\ndef quokka_words(text):\n    '''zanzibar quokka words'''\n    return text.split()\n")
    after, state = _plan(repo, task)
    assert state == "saved"  # the index changed: fitted afresh, not loaded
    assert after[0][:2] == ("textkit/tokens.py", "textkit.tokens.quokka_words")


class _Exploit:
    def __reduce__(self) -> tuple:
        return (Path.touch, (Path(__file__).parent / "never-created",))


def test_a_broken_or_foreign_cache_file_is_ignored_and_never_unpickled(repo: Path) -> None:
    expected, _ = _plan(repo)
    cache = repo / ".dial" / FILE_NAME
    cache.write_bytes(b"not a zip file")
    assert _plan(repo) == (expected, "saved")
    marker = Path(__file__).parent / "never-created"
    with cache.open("wb") as fh:  # what a repo could ship under .dial/: an object array that runs code on load
        np.savez(fh, key=np.array([_Exploit()], dtype=object))
    assert _plan(repo) == (expected, "saved") and not marker.exists()


def test_a_restored_model_scores_as_the_fitted_one() -> None:
    docs = [["alpha", "beta", "beta"], ["gamma"], [], ["beta", "delta", "résumé"]]
    fitted = SparseBm25(docs)
    restored = SparseBm25.from_state(fitted.state())
    for query in (["beta"], ["résumé", "alpha"], ["missing"], []):
        assert np.array_equal(restored.scores(query), fitted.scores(query))
    empty = SparseBm25.from_state(SparseBm25([]).state())
    assert empty.size == 0 and len(empty.scores(["x"])) == 0

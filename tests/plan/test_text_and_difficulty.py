"""Word splitting for BM25, code mentions in prose, and the difficulty formula's direction."""

from __future__ import annotations

import math

import pytest

from agent.models import get_capabilities
from agent.plan import difficulty as D
from agent.plan.planner import worst_case
from agent.plan.text import (dotted_paths, mentioned_identifiers, prose_of, split_identifier, stem_mentions,
                             tokenize)


def test_identifiers_split_on_snake_and_camel_case() -> None:
    assert split_identifier("parse_HTTPDate2") == ["parse", "http", "date", "2"]
    assert tokenize("URLValidator.clean") == ["url", "validator", "urlvalidator", "clean"]
    assert "the" not in tokenize("the value of the thing")


def test_cached_word_splitting_keeps_the_two_modes_apart() -> None:
    text = "parse_HTTPDate parse_HTTPDate self.value_2 __init__"
    whole = ["parse", "http", "date", "parse_httpdate", "parse", "http", "date", "parse_httpdate", "value",
             "value_2", "init"]
    assert tokenize(text) == whole
    assert tokenize(text, keep_whole=False) == ["parse", "http", "date", "parse", "http", "date", "value", "init"]
    assert tokenize(text) == whole  # asked again after the other mode: the same words


def test_mentions_and_module_paths_are_found_in_prose() -> None:
    text = "Since #20003, core.validators.URLValidator accepts it; call `slugify` or unique_slug() instead"
    found = mentioned_identifiers(text)
    assert {"URLValidator", "slugify", "unique_slug"} <= found
    assert "Since" not in found
    assert "core/validators" in dotted_paths(text)


def test_difficulty_rises_with_a_flat_ranking_and_a_long_issue() -> None:
    base = {k: D.CENTRES[k] for k in D.TASK_FEATURES + D.EDIT_FEATURES}
    sure = dict(base, entropy=0.2, margin=0.8, span=0.0)
    unsure = dict(base, entropy=1.0, margin=0.0, span=1.6)
    assert D.logistic(D.score(unsure)) > D.logistic(D.score(sure))
    longer = dict(base, words=base["words"] + 2)
    assert D.logistic(D.score(longer)) > D.logistic(D.score(base))


def test_worst_case_is_bounded_by_the_caps() -> None:
    caps = get_capabilities("anthropic:claude-sonnet-4-5")
    uncapped, info = worst_case(caps, 32000, 8, 30, None, None)
    calls = 8 * 30
    per_call = ((caps.context_window - caps.max_output_tokens) * max(caps.price_input, caps.price_cache_write)
                + 8192 * caps.price_output) / 1e6
    assert abs(uncapped - (calls * per_call + 32000 * caps.price_output / 1e6)) < 1e-6
    assert info["calls"] == calls
    assert worst_case(caps, 32000, 8, 30, None, 5.0)[0] == 5.0
    capped, _ = worst_case(caps, 32000, 8, 30, 100_000, None)
    assert capped == 100_000 * caps.price_output / 1e6


def test_prose_drops_code_blocks_indented_code_and_tracebacks() -> None:
    issue = ("Saving a model with a custom pk loses the default.\n```python\nclass Widget(models.Model):\n"
             "    pk = UUIDField()\n```\n    >>> Widget.objects.create()\nTraceback (most recent call last):\n"
             "ValueError: bad uuid\nThe autodetector should keep it.")
    prose = prose_of(issue)
    assert "custom pk loses the default" in prose and "autodetector should keep it" in prose
    assert "UUIDField" not in prose and "Widget.objects" not in prose and "ValueError" not in prose


def test_a_file_base_name_written_in_the_text_is_a_pointer_shared_by_its_namesakes() -> None:
    files = ["db/migrations/autodetector.py", "contrib/auth/models.py", "contrib/admin/models.py",
             "db/models/sql/query.py", "db/__init__.py", "db/io.py"]
    hits = stem_mentions("The migration autodetector crashes on models with a query; io is fine; __init__", files)
    assert hits["db/migrations/autodetector.py"] == 1.0
    assert hits["contrib/auth/models.py"] == hits["contrib/admin/models.py"] == 0.5  # two files share the name
    assert hits["db/models/sql/query.py"] == 1.0
    assert "db/io.py" not in hits and "db/__init__.py" not in hits  # too short to point anywhere; a package


def test_calls_sessions_and_ticket_references_are_counted_from_the_text() -> None:
    from agent.plan.localize import Localisation
    from agent.plan.types import TaskInput

    empty = Localisation(sites=[], symbols=[])
    few = D.task_features(TaskInput(text="parse(x) fails; parse(y) too"), empty)
    many = D.task_features(TaskInput(text="parse(x) calls clean(y), which calls save(z) and full_clean()"), empty)
    assert few["calls"] == pytest.approx(math.log1p(1))
    assert many["calls"] == pytest.approx(math.log1p(4))
    session = D.task_features(TaskInput(text=">>> a = Poly(x)\n>>> a.degree()\nIn [3]: b\nsee #20003 and #42, not &#39;"),
                              empty)
    assert session["prompt"] == pytest.approx(math.log1p(3))
    assert session["ticket"] == pytest.approx(math.log1p(2))  # an HTML entity is not a ticket
    assert few["prompt"] == few["ticket"] == 0.0
    # a problem shown in a session and tied to earlier tickets is a bigger one (fitted on SWE-bench's tune half)
    assert D.score(dict(few, prompt=session["prompt"], ticket=session["ticket"])) > D.score(few)


def test_an_edit_in_a_larger_file_is_harder_and_an_unreadable_file_counts_as_long_as_the_symbol(tmp_path) -> None:
    from agent.plan.sources import SourceCache

    class Index:
        def fan_in(self, _: int) -> int:
            return 1

        fan_out = fan_in

    class Sym:
        def __init__(self, path: str) -> None:
            self.id, self.path, self.start_line, self.end_line = 1, path, 2, 4

    (tmp_path / "small.py").write_text("x = 1\ndef f(a):\n    if a:\n        return a\n")
    (tmp_path / "big.py").write_text("x = 1\ndef f(a):\n    if a:\n        return a\n" + "y = 2\n" * 2000)
    source = SourceCache(tmp_path)
    small, big = (D.edit_features(Index(), Sym(p), source) for p in ("small.py", "big.py"))
    assert small["file_lines"] == pytest.approx(math.log1p(4)) and big["file_lines"] == pytest.approx(math.log1p(2004))
    assert small["branches"] == big["branches"] > 0
    assert D.score(big) > D.score(small)
    assert D.edit_features(Index(), Sym("gone.py"), source)["file_lines"] == pytest.approx(math.log1p(4))


def test_the_sparse_bm25_scores_equal_the_librarys_own() -> None:
    import random

    import numpy as np
    from rank_bm25 import BM25Okapi

    from agent.plan.lexical import SparseBm25

    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(60)]
    docs = [[rng.choice(vocab) for _ in range(rng.randint(0, 40))] for _ in range(200)]
    ours = SparseBm25(docs)
    theirs = BM25Okapi([d or ["_"] for d in docs])
    for _ in range(20):
        query = list(dict.fromkeys(rng.choice(vocab) for _ in range(rng.randint(1, 6))))
        assert np.allclose(ours.scores(query), theirs.get_scores(query), rtol=1e-12, atol=1e-12)
    assert not ours.scores(["absent"]).any()

"""Localisation on a real indexed repo: tracebacks, failing tests and plain-text mentions."""

from __future__ import annotations

from pathlib import Path

from agent.models import get_capabilities
from agent.plan import TaskInput, make_plan
from agent.plan.localize import localise
from agent.plan.trace import parse_failing_tests, parse_frames


def test_traceback_puts_the_deepest_code_frame_first(index, sample_repo: Path, failing_output: str) -> None:
    loc = localise(index, TaskInput(text="make the failing tests pass", failures=failing_output), repo=sample_repo)
    top = loc.sites[0]
    assert (top.path, top.symbol.rsplit(".", 1)[-1]) == ("textkit/stats.py", "average_word_length")
    assert any(w.startswith("tests") for w in top.why)  # reached from the failing test through the call graph
    assert loc.failing_tests == ["tests/test_stats.py::test_average_word_length"]


def test_a_python_traceback_frame_inside_the_repo_wins(index, sample_repo: Path) -> None:
    trace = (
        "Traceback (most recent call last):\n"
        f'  File "{sample_repo}/textkit/render.py", line 9, in heading\n'
        "    anchor = slugify(title)\n"
        f'  File "{sample_repo}/textkit/slug.py", line 9, in slugify\n'
        "    value = unicodedata.normalize(title)\n"
        "TypeError: normalize() argument 1 must be str, not None\n"
    )
    loc = localise(index, TaskInput(text="rendering a heading crashes", failures=trace), repo=sample_repo)
    assert loc.sites[0].symbol.endswith("slugify")
    assert loc.sites[1].symbol.endswith("heading")
    assert any(w.startswith("trace 1.00") for w in loc.sites[0].why)


def test_plain_text_mention_ranks_the_named_function_first(index, sample_repo: Path) -> None:
    task = TaskInput(text="unique_slug loops forever when the taken set already holds numbered slugs")
    loc = localise(index, task, repo=sample_repo)
    assert loc.sites[0].symbol.endswith("unique_slug")
    assert any(w.startswith("mention") for w in loc.sites[0].why)


def test_prose_without_identifiers_still_finds_the_function(index, sample_repo: Path) -> None:
    loc = localise(index, TaskInput(text="Split text into sentences on punctuation is wrong for abbreviations"),
                   repo=sample_repo)
    assert loc.sites[0].symbol.endswith("sentences")


def test_sites_are_ranked_best_first_and_test_code_is_damped(index, sample_repo: Path, failing_output: str) -> None:
    loc = localise(index, TaskInput(text="fix it", failures=failing_output), repo=sample_repo)
    scores = [s.score for s in loc.sites]
    assert scores == sorted(scores, reverse=True)
    test_sites = [s for s in loc.sites if s.path.startswith("tests/")]
    assert test_sites and all("test file" in s.why for s in test_sites)
    assert loc.sites[0].path.startswith("textkit/")


def test_make_plan_plans_edits_with_budgets(index, sample_repo: Path, failing_output: str) -> None:
    caps = get_capabilities("anthropic:claude-sonnet-4-5")
    plan = make_plan(index, TaskInput(text="average word length is off by one", failures=failing_output),
                     budget=20000, caps=caps, repo=sample_repo)
    assert plan.edits and plan.edits[0].symbol.endswith("average_word_length")
    assert 0.0 < plan.difficulty < 1.0
    assert plan.reserve == 5000 and plan.planned_total() <= 15000
    assert all(e.thinking_budget == 0 or e.thinking_budget >= caps.min_thinking_tokens for e in plan.edits)
    assert plan.worst_case_cost_usd and plan.worst_case_cost_usd > 0


def test_trace_parsing_maps_foreign_checkouts_and_drops_site_packages() -> None:
    out = (
        'File "/ci/build/checkout/textkit/slug.py", line 9, in slugify\n'
        'File "/usr/lib/python3.11/site-packages/x/y.py", line 3, in f\n'
        "tests/test_slug.py:5: in test_slugify\n"
        "FAILED tests/test_slug.py::test_slugify - AssertionError\n"
    )
    frames = parse_frames(out, {"textkit/slug.py", "tests/test_slug.py"})
    assert [(f.path, f.line) for f in frames] == [("tests/test_slug.py", 5), ("textkit/slug.py", 9)]
    assert parse_failing_tests(out) == ["tests/test_slug.py::test_slugify"]


def test_the_first_line_is_a_title_whose_words_count_on_their_own(index, sample_repo: Path) -> None:
    from agent.plan.localize import WEIGHTS
    from agent.plan.text import title_of

    assert title_of("\n\n## Slugs lose dashes\nbody text") == "Slugs lose dashes"
    assert title_of("   \n") == ""
    body = "We render documents as HTML pages with a heading for each document we render. " * 4
    task = TaskInput(text="Sentences split wrongly on abbreviations\n\n" + body)
    with_title = localise(index, task, repo=sample_repo)
    without = localise(index, task, repo=sample_repo, weights=dict(WEIGHTS, title=0.0))
    assert with_title.raw["title"] and max(with_title.raw["title"].values()) == 1.0
    assert without.sites[0].path == "textkit/render.py"  # the body's many words win on their own
    assert with_title.sites[0].path == "textkit/tokens.py" and with_title.sites[0].symbol.endswith("sentences")
    assert any(w.startswith("title 1.00") for w in with_title.sites[0].why)

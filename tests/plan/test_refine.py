"""The optional model refinement of the difficulty: the rating's parse, the blend and the budget split again."""

from __future__ import annotations

import pytest

from agent.models import get_capabilities
from agent.plan.budget import split_budget
from agent.plan.refine import RATING_Z, apply_rating, blended, parse_rating
from agent.plan.types import Plan, PlannedEdit

CAPS = get_capabilities("anthropic:claude-sonnet-4-5")


@pytest.mark.parametrize("answer, rating", [("3", 3), ("2\n", 2), ("Rating: 4", 4), ("**1**", 1),
                                            ("5", None), ("about 2.5 hours", None), ("", None), ("no idea", None)])
def test_the_rating_is_the_first_lone_digit_1_to_4(answer: str, rating: int | None) -> None:
    assert parse_rating(answer) == rating


def test_the_blend_moves_towards_the_rating_and_keeps_the_formulas_order() -> None:
    for formula in (0.2, 0.5, 0.8):
        values = [blended(formula, r) for r in sorted(RATING_Z)]
        assert values == sorted(values) and len(set(values)) == 4
    assert blended(0.3, 1) < 0.3 < blended(0.3, 4)
    assert blended(0.2, 2) < blended(0.6, 2)  # the formula still counts


def _plan(budget: int) -> Plan:
    diffs = [0.7, 0.45, 0.3]
    split = split_budget(budget, diffs, 0.5, CAPS, 0.25)
    edits = [PlannedEdit(f"e{i}", f"m{i}.py", f"f{i}", 1, 9, d, s) for i, (d, s) in
             enumerate(zip(diffs, split.shares), start=1)]
    return Plan(sites=[], edits=edits, difficulty=0.5, budget=budget, reserve=split.reserve,
                task_signals={"spendable": split.spendable})


def test_a_hard_rating_plans_more_thinking_an_easy_one_less_never_past_the_budget() -> None:
    plan = _plan(40000)
    easy, hard = apply_rating(plan, 1, CAPS, 0.25), apply_rating(plan, 4, CAPS, 0.25)
    assert easy.planned_total() < plan.planned_total() < hard.planned_total()
    for refined in (easy, hard):
        assert refined.planned_total() + refined.reserve <= plan.budget
        assert [e.id for e in refined.edits] == ["e1", "e2", "e3"]
        ordered = [e.difficulty for e in refined.edits]
        assert ordered == sorted(ordered, reverse=True)  # the edits keep their order
    assert hard.task_signals["model_rating"] == 4 and hard.task_signals["formula_difficulty"] == 0.5
    assert any("rating 4 of 4" in n for n in hard.notes)
    assert plan.edits[0].thinking_budget == _plan(40000).edits[0].thinking_budget  # the input plan is not changed


def test_a_zero_budget_stays_zero() -> None:
    refined = apply_rating(_plan(0), 4, CAPS, 0.25)
    assert refined.planned_total() == 0 and refined.reserve == 0


def test_a_long_task_keeps_its_title_and_its_end_for_the_rating() -> None:
    from agent.plan.refine import TASK_CHARS, clip, prompt_variables

    text = "Title: crash in parse\n" + "x" * (3 * TASK_CHARS) + "\nTypeError: the last line"
    variables = prompt_variables(text, "", [])
    assert variables["task"].startswith("Title: crash in parse") and variables["task"].endswith("the last line")
    assert TASK_CHARS <= len(variables["task"]) <= TASK_CHARS + 20 and "[... cut ...]" in variables["task"]
    assert clip("short", 10) == "short"

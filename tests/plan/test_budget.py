"""The thinking-budget split and the run-time allocator, on the real capability table."""

from __future__ import annotations

import pytest

from agent.models import get_capabilities
from agent.plan import BudgetAllocator, Plan, PlannedEdit
from agent.plan.budget import per_call_cap, spend_fraction, split_budget

SONNET = "anthropic:claude-sonnet-4-5"


def caps(**over: object):
    return get_capabilities(SONNET, {SONNET: over} if over else None)


def make(shares: list[int], reserve: int, budget: int) -> Plan:
    edits = [PlannedEdit(f"e{i + 1}", "a.py", f"f{i}", 1, 2, 0.5, s) for i, s in enumerate(shares)]
    return Plan(sites=[], edits=edits, difficulty=0.5, budget=budget, reserve=reserve)


def test_split_is_proportional_to_difficulty_and_keeps_the_reserve() -> None:
    split = split_budget(40000, [0.2, 0.4, 0.8], task_difficulty=1.0, caps=caps())
    assert split.reserve == 10000
    assert sum(split.shares) <= 40000 - split.reserve
    assert split.shares[1] == pytest.approx(2 * split.shares[0], abs=2)
    assert split.shares[2] == pytest.approx(4 * split.shares[0], abs=4)
    assert sum(split.shares) >= 30000 - 3  # a task judged hardest spends all it may


def test_easy_task_spends_a_fraction_hard_task_all() -> None:
    easy = split_budget(40000, [0.5], task_difficulty=0.0, caps=caps())
    hard = split_budget(40000, [0.5], task_difficulty=1.0, caps=caps())
    assert sum(easy.shares) == int(30000 * spend_fraction(0.0)) < sum(hard.shares) == 30000


def test_shares_under_minimum_get_no_thinking_and_go_to_harder_edits() -> None:
    # 3000 spendable over four edits: equal split would give 750 each, all under the 1024 minimum.
    split = split_budget(4000, [0.9, 0.1, 0.2, 0.3], task_difficulty=1.0, caps=caps(), reserve_fraction=0.25)
    assert all(s == 0 or s >= 1024 for s in split.shares)
    assert split.shares[1] == 0 and split.shares[0] >= 1024
    assert sum(split.shares) <= 4000 - split.reserve
    assert any("no thinking" in n for n in split.notes)


def test_model_that_cannot_disable_thinking_gets_its_minimum_said_in_notes() -> None:
    gpt5 = get_capabilities("openai:gpt-5")
    split = split_budget(300, [0.5, 0.5], task_difficulty=0.5, caps=gpt5)
    assert split.shares == [gpt5.min_thinking_tokens] * 2
    assert any("cannot turn thinking off" in n for n in split.notes)


def test_budget_zero_gives_all_zero() -> None:
    split = split_budget(0, [0.9, 0.5], task_difficulty=0.9, caps=caps())
    assert split.shares == [0, 0] and split.reserve == 0
    alloc = BudgetAllocator(make(split.shares, split.reserve, 0), caps())
    assert alloc.budget_for("e1", 1) == 0 and alloc.budget_for("e1", 3) == 0


def test_per_call_cap_limits_a_share() -> None:
    small = caps(max_output_tokens=8000)
    split = split_budget(100000, [1.0], task_difficulty=1.0, caps=small)
    assert split.shares[0] == per_call_cap(small) == 4000


@pytest.mark.parametrize("budget", [1500, 7777, 32000, 250000])
def test_sums_never_exceed_the_budget(budget: int) -> None:
    diffs = [0.05, 0.3, 0.55, 0.7, 0.95]
    split = split_budget(budget, diffs, task_difficulty=0.8, caps=caps())
    assert sum(split.shares) + split.reserve <= budget
    alloc = BudgetAllocator(make(split.shares, split.reserve, budget), caps())
    for attempt in (1, 2, 3, 4):
        for edit in ("e1", "e2", "e3", "e4", "e5"):
            grant = alloc.budget_for(edit, attempt)
            assert grant <= alloc.remaining()
            alloc.record_spent(edit, grant)
    assert sum(alloc.spent.values()) <= budget


def test_escalation_takes_from_the_reserve_and_stops_when_it_is_empty() -> None:
    alloc = BudgetAllocator(make([4000, 4000], reserve=6000, budget=14000), caps())
    assert alloc.budget_for("e1", 1) == 4000
    alloc.record_spent("e1", 4000)
    second = alloc.budget_for("e1", 2)  # wants 8000; nothing is free (e2's share is held), reserve gives 6000
    assert second == 6000 and alloc.reserve_left == 0
    alloc.record_spent("e1", second)
    assert alloc.budget_for("e1", 3) == 0  # the reserve is empty: no more escalation
    assert alloc.budget_for("e2", 1) == 4000  # and e2's planned share was never touched
    alloc.record_spent("e2", 4000)
    assert alloc.remaining() == 0

def test_escalation_never_gives_more_than_is_left() -> None:
    alloc = BudgetAllocator(make([3000], reserve=1000, budget=4000), caps())
    alloc.record_spent("e1", alloc.budget_for("e1", 1))
    assert alloc.budget_for("e1", 2) == 0  # 1000 left in the reserve is under the 1024 minimum: no thinking
    assert alloc.reserve_left == 1000  # and the reserve was not drained for nothing
    roomy = BudgetAllocator(make([3000], reserve=5000, budget=8000), caps())
    roomy.record_spent("e1", roomy.budget_for("e1", 1))
    assert roomy.budget_for("e1", 2) == 5000 == roomy.remaining()  # wants 6000, only 5000 left

def test_unknown_edit_is_refused() -> None:
    alloc = BudgetAllocator(make([1000], 0, 1000), caps())
    with pytest.raises(KeyError):
        alloc.budget_for("nope", 1)

"""Split one thinking budget across the planned edits, and hand it out at run time with escalation.

Planning (`split_budget`):
  reserve   = floor(budget * reserve_fraction)                       kept for escalation
  spendable = floor((budget - reserve) * spend_fraction(task difficulty))
              spend_fraction(d) = SPEND_FLOOR + (1 - SPEND_FLOOR) * d: the budget is a ceiling, not a target;
              an easy task (d near 0) plans SPEND_FLOOR of it, a hard one (d near 1) all of it.
  share_i   = floor(spendable * d_i / sum_j d_j), capped at the per-call maximum (max output minus room for the
              answer). A share under the model's minimum thinking is worth nothing: the least difficult edit
              below the minimum is dropped to 0 and the rest re-split, until every share is 0 or >= minimum
              (the tokens go to the harder edits instead of buying wasted minimums). A model that cannot turn
              thinking off gets its minimum for every edit; when that crosses the budget the plan says so.
Run time (`BudgetAllocator`): attempt 1 gets the planned share, within what is free (budget - spent - reserve
  left - the planned shares of edits not started yet). Attempt k > 1 asks for max(share, minimum) * ESCALATION **
  (k - 1); what the free pool cannot cover is taken from the reserve until it is empty. A grant under the
  model's minimum becomes 0 (and takes nothing from the reserve) unless the model cannot turn thinking off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

SPEND_FLOOR = 0.3
ESCALATION = 2.0
ANSWER_ROOM = 4096  # output tokens a call keeps for its answer when its thinking is capped


def per_call_cap(caps: Any) -> int | None:
    """Most thinking one call can take: the model's max output minus room for the answer."""
    max_out = getattr(caps, "max_output_tokens", None)
    if not max_out:
        return None
    return max(0, int(max_out) - min(ANSWER_ROOM, int(max_out) // 2))


def spend_fraction(task_difficulty: float) -> float:
    d = min(1.0, max(0.0, task_difficulty))
    return SPEND_FLOOR + (1.0 - SPEND_FLOOR) * d


@dataclass
class Split:
    """Result of planning: one share per edit, the reserve, and notes for the user."""

    shares: list[int]
    reserve: int
    spendable: int
    notes: list[str] = field(default_factory=list)


def split_budget(
    budget: int, difficulties: Sequence[float], task_difficulty: float, caps: Any, reserve_fraction: float = 0.25
) -> Split:
    """Shares of `budget` for edits of the given difficulties; the sum never exceeds budget - reserve
    (except for a model that cannot turn thinking off, where the plan notes the excess)."""
    budget = max(0, int(budget))
    if not 0.0 <= reserve_fraction < 1.0:
        raise ValueError("reserve_fraction must be in [0, 1)")
    reserve = int(budget * reserve_fraction)
    spendable = int((budget - reserve) * spend_fraction(task_difficulty))
    n = len(difficulties)
    shares = [0] * n
    notes: list[str] = []
    minimum = int(getattr(caps, "min_thinking_tokens", 0) or 0)
    can_disable = bool(getattr(caps, "can_disable_thinking", True))
    cap = per_call_cap(caps)
    active = [i for i in range(n)]
    weights = [max(1e-6, float(d)) for d in difficulties]
    while active and spendable > 0:
        total = sum(weights[i] for i in active)
        trial = {i: int(spendable * weights[i] / total) for i in active}
        if cap is not None:
            trial = {i: min(v, cap) for i, v in trial.items()}
        below = [i for i in active if trial[i] < minimum]
        if not below or not can_disable:
            for i in active:
                shares[i] = trial[i]
            break
        dropped = min(below, key=lambda i: (weights[i], -i))
        active.remove(dropped)
    if n and any(s == 0 for s in shares) and can_disable and spendable > 0 and minimum:
        zero = sum(1 for s in shares if s == 0)
        notes.append(f"{zero} edit(s) get no thinking: their share was under the model's minimum of {minimum}")
    if not can_disable and minimum:
        raised = [i for i in range(n) if shares[i] < minimum]
        for i in raised:
            shares[i] = minimum
        over = sum(shares) - (budget - reserve)
        if raised:
            notes.append(f"the model cannot turn thinking off: {len(raised)} edit(s) raised to its minimum {minimum}")
        if over > 0:
            take = min(over, reserve)
            reserve -= take
            over -= take
            if over > 0:
                notes.append(f"the model's minimum thinking exceeds the budget by {over} tokens")
    return Split(shares=shares, reserve=reserve, spendable=spendable, notes=notes)


class BudgetAllocator:
    """Hands out thinking tokens per edit and attempt at run time, tracking the reserve and what was spent."""

    def __init__(self, plan: Any, caps: Any) -> None:
        self.plan = plan
        self.caps = caps
        self.budget = int(plan.budget)
        self.reserve_left = int(plan.reserve)
        self.planned = {e.id: int(e.thinking_budget) for e in plan.edits}
        self.spent: dict[str, int] = {e.id: 0 for e in plan.edits}
        self.started: set[str] = set()
        self.minimum = int(getattr(caps, "min_thinking_tokens", 0) or 0)
        self.can_disable = bool(getattr(caps, "can_disable_thinking", True))
        self.cap = per_call_cap(caps)

    def remaining(self) -> int:
        """Thinking tokens of the budget not yet spent."""
        return max(0, self.budget - sum(self.spent.values()))

    def _free(self, edit_id: str) -> int:
        held = sum(p for e, p in self.planned.items() if e != edit_id and e not in self.started)
        return max(0, self.budget - sum(self.spent.values()) - self.reserve_left - held)

    def budget_for(self, edit_id: str, attempt: int) -> int:
        """Thinking tokens for this attempt of this edit (1 = the planned share; later ones escalate)."""
        if edit_id not in self.planned:
            raise KeyError(f"unknown edit {edit_id!r}")
        if attempt < 1:
            raise ValueError("attempt counts from 1")
        self.started.add(edit_id)
        base = self.planned[edit_id]
        if self.budget <= 0:
            return 0 if self.can_disable else self.minimum
        want = base if attempt == 1 else int(max(base, self.minimum) * ESCALATION ** (attempt - 1))
        if self.cap is not None:
            want = min(want, self.cap)
        free = self._free(edit_id)
        extra = min(max(0, want - free), self.reserve_left) if attempt > 1 else 0
        grant = min(want, free + extra)
        if grant < self.minimum:
            return 0 if self.can_disable else self.minimum  # nothing taken from the reserve for it
        self.reserve_left -= min(extra, max(0, grant - free))
        return max(0, grant)

    def record_spent(self, edit_id: str, thinking_tokens: int) -> None:
        """Add the thinking tokens an attempt used (providers' usage, or the loop's estimate)."""
        if edit_id not in self.spent:
            raise KeyError(f"unknown edit {edit_id!r}")
        self.spent[edit_id] += max(0, int(thinking_tokens))

    def state(self) -> dict[str, Any]:
        return {"budget": self.budget, "reserve_left": self.reserve_left, "spent": dict(self.spent),
                "remaining": self.remaining()}

"""make_plan: localise, pick the edits, estimate difficulty, split the budget, price the worst case.

Which sites become planned edits: the best site always; then sites scoring at least EDIT_RATIO of the best, in
rank order, skipping a site nested in (or enclosing) one already chosen, up to `max_edits`. A flat ranking thus
plans several edits (the change probably spans them); a sharp one plans one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.plan import difficulty as D
from agent.plan.budget import split_budget
from agent.plan.localize import localise
from agent.plan.types import Plan, PlannedEdit, TaskInput

EDIT_RATIO = 0.75
ANSWER_TOKENS = 8192  # output a call may spend on its answer besides thinking (worst-case pricing)


def _overlaps(a: Any, b: Any) -> bool:
    return a.path == b.path and a.start_line <= b.end_line and b.start_line <= a.end_line


def choose_edits(loc: Any, max_edits: int) -> list[int]:
    """Indices into loc.sites of the sites to plan edits for."""
    if not loc.sites or max_edits <= 0:
        return []
    top = loc.sites[0].score
    chosen = [0]
    for i, site in enumerate(loc.sites[1:], start=1):
        if len(chosen) >= max_edits or site.score < EDIT_RATIO * top:
            break
        if any(_overlaps(loc.sites[j], site) for j in chosen):
            continue
        chosen.append(i)
    return chosen


def worst_case(caps: Any, budget: int, iterations: int, turns: int, max_tokens_cap: int | None,
               max_cost_cap: float | None) -> tuple[float, dict[str, Any]]:
    """The most the run can cost before it starts, and the assumptions behind the number.

    Assumptions: every one of iterations x turns calls is made; each sends a full context window of input
    (less its output allotment), priced at the dearer of input and cache-write; each writes ANSWER_TOKENS of
    answer, and all thinking together is the whole budget (the allocator never grants more). The caps the run
    enforces before each call (--max-tokens, --max-cost) bound it further.
    """
    from agent.models import worst_case_cost  # lower layer, imported when used

    calls = max(1, iterations * turns)
    answer = min(ANSWER_TOKENS, int(caps.max_output_tokens))
    input_per_call = max(0, int(caps.context_window) - int(caps.max_output_tokens))
    uncapped = calls * worst_case_cost(caps, input_per_call, answer) + worst_case_cost(caps, 0, budget)
    cost = uncapped
    if max_tokens_cap:
        dearest = max(caps.price_input, caps.price_cache_write, caps.price_output)
        cost = min(cost, max_tokens_cap * dearest / 1_000_000)
    if max_cost_cap is not None:
        cost = min(cost, max_cost_cap)
    info = {
        "calls": calls, "iterations": iterations, "turns_per_iteration": turns,
        "input_tokens_per_call": input_per_call, "answer_tokens_per_call": answer, "thinking_tokens": budget,
        "uncapped_usd": round(uncapped, 4), "max_tokens": max_tokens_cap, "max_cost_usd": max_cost_cap,
    }
    return cost, info


def make_plan(index: Any, task: TaskInput, *, budget: int, caps: Any, reserve_fraction: float = 0.25,
              repo: Path | None = None, max_edits: int = 5, site_limit: int = 50,
              loop: Any = None, max_tokens_cap: int | None = None, max_cost_cap: float | None = None,
              view: Any = None) -> Plan:
    """The plan for `task`: ranked sites, planned edits with difficulty and thinking budget, worst-case cost.

    `loop` (config LoopSettings) gives iterations x turns for the worst case; without it the defaults apply.
    `view` (localize.IndexView) reuses symbol tables and BM25 models across many plans on one index.
    """
    loc = localise(index, task, repo=repo, limit=site_limit, view=view)
    tfeat = D.task_features(task, loc)
    picked = choose_edits(loc, max_edits)
    source = D.SourceCache(repo)
    efeats = [D.edit_features(index, loc.symbols[i], source) for i in picked]
    edit_diffs = [D.logistic(D.score({**tfeat, **ef})) for ef in efeats]
    task_diff = D.logistic(D.score({**tfeat, **D.mean_features(efeats)}))
    split = split_budget(budget, edit_diffs, task_diff, caps, reserve_fraction)
    edits: list[PlannedEdit] = []
    for n, (i, ef, d, share) in enumerate(zip(picked, efeats, edit_diffs, split.shares), start=1):
        site = loc.sites[i]
        edits.append(PlannedEdit(
            id=f"e{n}", path=site.path, symbol=site.symbol, start_line=site.start_line, end_line=site.end_line,
            difficulty=d, thinking_budget=share, signals={**ef, "site_rank": i + 1, "site_score": site.score},
        ))
    iterations = int(getattr(loop, "max_iterations", 8))
    turns = int(getattr(loop, "max_turns_per_iteration", 30))
    cost, info = worst_case(caps, budget, iterations, turns, max_tokens_cap, max_cost_cap)
    notes = list(split.notes)
    if not loc.sites:
        notes.append("the index holds no symbols: nothing to localise (is the repo indexed?)")
    return Plan(
        sites=loc.sites, edits=edits, difficulty=task_diff, budget=max(0, int(budget)), reserve=split.reserve,
        model=str(getattr(caps, "name", "")), task_signals={**tfeat, "spendable": split.spendable},
        notes=notes, worst_case_cost_usd=cost, worst_case=info,
    )

"""Translate the planner's thinking budget (tokens) into what each provider takes on the wire.

The planner speaks in tokens; providers take `budget_tokens`, an effort level, or nothing. The mapping
(documented in .readme/models.md and tested row by row):

| reasoning       | budget < min_thinking_tokens              | budget >= min_thinking_tokens                      |
|-----------------|-------------------------------------------|----------------------------------------------------|
| none            | no reasoning                              | no reasoning (budget ignored, noted)               |
| budget_tokens   | thinking off                              | budget_tokens = budget (clipped, see below)        |
| adaptive        | thinking off (or lowest effort if it      | highest effort whose typical spend <= budget       |
|                 | cannot be disabled)                       | (lowest effort if none fits)                       |
| openai_effort   | 'none' if offered, else lowest effort     | highest effort whose typical spend <= budget       |

The call's output allotment is `budget + max_tokens` (thinking plus the answer), clipped to the model's max
output; that is what goes out as `max_tokens` / `max_completion_tokens`, the only hard cap the APIs give.
With no reasoning the allotment is `max_tokens`. For budget_tokens the thinking share is clipped first so the
answer keeps at least min(max_tokens, half the cap); a clipped budget under 1024 turns thinking off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from agent.models.capabilities import ModelCapabilities


@dataclass(frozen=True)
class ThinkingControl:
    """What goes on the wire for one call."""

    kind: Literal["budget_tokens", "effort", "none"]
    max_tokens: int  # hard cap sent with the request (includes thinking)
    budget_tokens: int | None = None
    effort: str | None = None
    note: str = ""  # why, when the request was not honoured as asked (for logs and the report)

    @property
    def thinking(self) -> bool:
        return self.kind == "budget_tokens" or (self.kind == "effort" and self.effort != "none")


def _pick_effort(caps: ModelCapabilities, budget: int) -> str:
    levels = [lvl for lvl in caps.effort_levels if lvl != "none"]
    if not levels:
        raise ValueError(f"{caps.name} takes effort levels but the table lists none")
    fitting = [lvl for lvl in levels if caps.effort_typical_tokens.get(lvl, 0) <= budget]
    if not fitting:
        return levels[0]
    return max(fitting, key=lambda lvl: caps.effort_typical_tokens.get(lvl, 0))


def translate_budget(caps: ModelCapabilities, thinking_budget: int, max_tokens: int) -> ThinkingControl:
    """Map a token budget for one call to the model's control; see the module docstring for the table."""
    cap = caps.max_output_tokens
    answer = max(1, min(max_tokens, cap))
    budget = max(0, thinking_budget)
    if caps.reasoning == "none":
        note = f"{caps.name} has no reasoning control; budget {budget} unused" if budget else ""
        return ThinkingControl("none", answer, note=note)

    if caps.reasoning == "budget_tokens":
        if budget < caps.min_thinking_tokens:
            note = f"budget {budget} < {caps.min_thinking_tokens}: thinking off" if budget else ""
            return ThinkingControl("none", answer, note=note)
        total = min(cap, budget + answer)
        keep = min(answer, cap // 2)
        clipped = min(budget, total - keep)
        if clipped < caps.min_thinking_tokens:
            return ThinkingControl("none", answer, note=f"max output {cap} leaves no room to think")
        note = f"budget clipped from {budget} to {clipped} by max output {cap}" if clipped < budget else ""
        return ThinkingControl("budget_tokens", total, budget_tokens=clipped, note=note)

    # adaptive (Anthropic effort) and openai_effort: effort is a signal, max_tokens the cap.
    if budget < caps.min_thinking_tokens:
        if caps.reasoning == "openai_effort" and "none" in caps.effort_levels:
            return ThinkingControl("effort", answer, effort="none")
        if caps.can_disable_thinking and caps.reasoning == "adaptive":
            return ThinkingControl("none", answer)
        lowest = _pick_effort(caps, 0)
        floor = caps.effort_typical_tokens.get(lowest, caps.min_thinking_tokens)
        total = min(cap, floor + answer)
        return ThinkingControl(
            "effort", total, effort=lowest,
            note=f"{caps.name} cannot think less than '{lowest}' (~{floor} tokens); using it",
        )
    effort = _pick_effort(caps, budget)
    total = min(cap, budget + answer)
    typical = caps.effort_typical_tokens.get(effort, 0)
    note = f"lowest effort '{effort}' typically spends {typical} > budget {budget}" if typical > budget else ""
    return ThinkingControl("effort", total, effort=effort, note=note)

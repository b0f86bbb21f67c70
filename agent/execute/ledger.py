"""Budget enforcement at call time: caps are checked BEFORE each call from its worst case, never after.

SWE-agent and others compare spend with the limit after a call returns, so one expensive call can overshoot
a cap many times over. Here every request is priced at its worst case (a conservative estimate of the
whole input plus its `max_tokens`) and refused if that could cross `--max-tokens` or `--max-cost`; spend is
the providers' own usage, summed exactly over every billed attempt (retries included).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from agent.execute.stops import BudgetExhausted
from agent.models.types import Message, ModelRequest, ModelResponse, Usage

# Characters per token used for the worst-case input estimate. Real tokenizers give ~4 chars per token on
# English and code; 3 over-counts, which is the safe side for a cap.
CHARS_PER_TOKEN_CONSERVATIVE = 3
# Per-message framing tokens the APIs add (role markers, block separators).
MESSAGE_OVERHEAD_TOKENS = 8


def _block_chars(block: Any) -> int:
    t = getattr(block, "type", "")
    if t == "text":
        return len(block.text)
    if t == "thinking":
        return len(block.thinking) + len(block.signature)
    if t == "redacted_thinking":
        return len(block.data)
    if t == "tool_use":
        return len(block.name) + len(json.dumps(block.input))
    if t == "tool_result":
        return len(block.content)
    if t == "opaque":
        return len(json.dumps(block.data))
    return len(str(block))


def message_tokens(message: Message) -> int:
    """Conservative token estimate of one message."""
    chars = sum(_block_chars(b) for b in message.content)
    return -(-chars // CHARS_PER_TOKEN_CONSERVATIVE) + MESSAGE_OVERHEAD_TOKENS


def prefix_tokens(system: str, tools: Any) -> int:
    """Conservative token estimate of the stable prefix: system prompt and tool schemas."""
    chars = len(system) + sum(len(json.dumps(t.to_anthropic(native=False))) for t in tools)
    return -(-chars // CHARS_PER_TOKEN_CONSERVATIVE) + MESSAGE_OVERHEAD_TOKENS


def request_input_tokens(request: ModelRequest) -> int:
    """Conservative estimate of every input token the request can be billed for."""
    return prefix_tokens(request.system, request.tools) + sum(message_tokens(m) for m in request.messages)


def billed_usages(response: ModelResponse) -> list[Usage]:
    """Every billed attempt of one call; the final usage alone when the provider made one attempt."""
    return list(response.attempts_usage) if response.attempts_usage else [response.usage]


@dataclass
class Ledger:
    """Spend so far, per edit and in total, and the caps it enforces before each call."""

    caps: Any  # ModelCapabilities: prices, context window, thinking minimum
    max_tokens: int | None = None
    max_cost_usd: float | None = None
    thinking_budget: int = 0
    cost_fn: Callable[[Usage, Any], float] | None = None
    worst_fn: Callable[[Any, int, int], float] | None = None
    total: Usage = field(default_factory=Usage)
    cost: float = 0.0
    calls: int = 0
    per_edit: dict[str, Usage] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.cost_fn is None or self.worst_fn is None:
            from agent.models import cost_usd, worst_case_cost

            self.cost_fn = self.cost_fn or cost_usd
            self.worst_fn = self.worst_fn or worst_case_cost

    # --- thinking -----------------------------------------------------------------------------------
    def thinking_left(self) -> int:
        """What is left of the task's thinking budget (thinking spent is the providers' count or estimate)."""
        return max(0, self.thinking_budget - self.total.thinking_tokens)

    def thinking_for_call(self, wanted: int) -> int:
        """The thinking budget a call may have: never more than what is left; under the minimum means none."""
        share = min(max(0, wanted), self.thinking_left())
        minimum = int(getattr(self.caps, "min_thinking_tokens", 0) or 0)
        if share <= 0 or share < minimum or getattr(self.caps, "reasoning", "none") == "none":
            return 0
        return share

    # --- caps ---------------------------------------------------------------------------------------
    def wire_max_tokens(self, request: ModelRequest) -> int:
        """The output cap the provider will send: the answer allotment plus the thinking budget, clipped."""
        from agent.models.budget import translate_budget

        return translate_budget(self.caps, request.thinking_budget, request.max_tokens).max_tokens

    def worst_case(self, request: ModelRequest) -> tuple[int, float]:
        """Tokens and USD this request could be billed at most."""
        inp = request_input_tokens(request)
        out = self.wire_max_tokens(request)
        return inp + out, float(self.worst_fn(self.caps, inp, out))  # type: ignore[misc]

    def check(self, request: ModelRequest, what: str) -> None:
        """Refuse (raise BudgetExhausted) a call whose worst case could cross a cap. Called before every call."""
        tokens, usd = self.worst_case(request)
        if self.max_tokens is not None and self.total.total_tokens + tokens > self.max_tokens:
            raise BudgetExhausted(
                f"--max-tokens {self.max_tokens}: spent {self.total.total_tokens}, the next call ({what}) could "
                f"bill up to {tokens} more, so it was not made",
            )
        if self.max_cost_usd is not None and self.cost + usd > self.max_cost_usd:
            raise BudgetExhausted(
                f"--max-cost ${self.max_cost_usd:.4f}: spent ${self.cost:.4f}, the next call ({what}) could cost "
                f"up to ${usd:.4f} more, so it was not made",
            )

    # --- spend --------------------------------------------------------------------------------------
    def record(self, response: ModelResponse, edit_id: str | None) -> Usage:
        """Add a response's billed usage (all attempts) to the totals; returns what this call billed."""
        return self.record_usages(billed_usages(response), edit_id)

    def record_usages(self, usages: list[Usage], edit_id: str | None) -> Usage:
        """Add billed attempts (also those of a call that failed after retries) to the totals."""
        billed = Usage()
        for usage in usages:
            billed = billed + usage
            self.cost += float(self.cost_fn(usage, self.caps))  # type: ignore[misc]
        self.total = self.total + billed
        self.calls += 1
        if edit_id is not None:
            self.per_edit[edit_id] = self.per_edit.get(edit_id, Usage()) + billed
        return billed

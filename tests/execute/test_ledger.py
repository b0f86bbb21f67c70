"""Budget enforcement happens before a call, from the call's worst case, and spend is summed exactly."""

from __future__ import annotations

import pytest

from agent.execute.context import TRIMMED, conversation_tokens, trim_to_fit
from agent.execute.ledger import Ledger, request_input_tokens
from agent.execute.stops import BudgetExhausted
from agent.models import cost_usd, get_capabilities
from agent.models.types import (
    Message, ModelRequest, ModelResponse, TextBlock, ThinkingBlock, ToolResultBlock, ToolUseBlock, Usage,
)
from tools.schema import ToolSchema

CAPS = get_capabilities("anthropic:claude-sonnet-4-5")
TOOLS = [ToolSchema("view", "Show a file", {"type": "object", "properties": {"path": {"type": "string"}}})]


def _request(text: str = "fix the bug", thinking: int = 0, max_tokens: int = 1000) -> ModelRequest:
    return ModelRequest(system="You are dial.", messages=[Message.user(text)], tools=TOOLS,
                        thinking_budget=thinking, max_tokens=max_tokens)


def _response(**usage: int) -> ModelResponse:
    return ModelResponse([TextBlock("ok")], "end_turn", Usage(**usage), "anthropic:claude-sonnet-4-5")


def test_input_estimate_is_conservative_against_four_chars_per_token() -> None:
    text = "x" * 4000
    assert request_input_tokens(_request(text)) >= 4000 // 3 > 4000 // 4


def test_call_refused_before_it_could_cross_the_token_cap() -> None:
    request = _request(max_tokens=1000)
    worst, _ = Ledger(CAPS).worst_case(request)
    ledger = Ledger(CAPS, max_tokens=worst + 500)
    ledger.check(request, "first")  # fits: no exception
    ledger.record(_response(input_tokens=400, output_tokens=200), "e1")
    with pytest.raises(BudgetExhausted) as caught:
        ledger.check(request, "second")  # 600 spent + worst > cap, although 600 < cap
    assert "--max-tokens" in caught.value.reason and "not made" in caught.value.reason
    assert ledger.total.total_tokens == 600 < ledger.max_tokens


def test_thinking_budget_counts_in_the_worst_case() -> None:
    ledger = Ledger(CAPS)
    plain, _ = ledger.worst_case(_request(max_tokens=1000))
    thinking, _ = ledger.worst_case(_request(max_tokens=1000, thinking=8000))
    assert thinking - plain == 8000  # the wire max_tokens is answer + thinking


def test_cost_cap_refuses_a_call_priced_at_its_worst_case() -> None:
    request = _request(max_tokens=4000)
    _, usd = Ledger(CAPS).worst_case(request)
    assert usd == pytest.approx((request_input_tokens(request) * CAPS.price_cache_write + 4000 * CAPS.price_output) / 1e6)
    ledger = Ledger(CAPS, max_cost_usd=usd * 0.99)
    with pytest.raises(BudgetExhausted, match="--max-cost"):
        ledger.check(request, "first")
    assert ledger.calls == 0


def test_spend_sums_every_billed_attempt_exactly() -> None:
    ledger = Ledger(CAPS)
    retried = Usage(input_tokens=100, output_tokens=7, incomplete=True)
    final = Usage(input_tokens=100, output_tokens=50, cache_read_tokens=30, cache_write_tokens=20,
                  thinking_tokens=40, thinking_estimated=True)
    response = ModelResponse([TextBlock("ok")], "end_turn", retried + final, "m", attempts_usage=[retried, final])
    billed = ledger.record(response, "e1")
    assert (billed.input_tokens, billed.output_tokens, billed.thinking_tokens) == (200, 57, 40)
    assert ledger.total.total_tokens == 200 + 57 + 30 + 20
    assert ledger.cost == pytest.approx(cost_usd(retried, CAPS) + cost_usd(final, CAPS))
    assert ledger.per_edit["e1"].thinking_estimated is True


def test_thinking_per_call_never_exceeds_what_is_left_and_under_minimum_is_none() -> None:
    ledger = Ledger(CAPS, thinking_budget=5000)
    assert ledger.thinking_for_call(4000) == 4000
    ledger.record(_response(output_tokens=3500, thinking_tokens=3000), "e1")
    assert ledger.thinking_left() == 2000
    assert ledger.thinking_for_call(4000) == 2000
    ledger.record(_response(output_tokens=1500, thinking_tokens=1500), "e1")
    assert ledger.thinking_left() == 500
    assert ledger.thinking_for_call(4000) == 0  # 500 < the model's 1024 minimum: no thinking at all


def test_trimming_drops_oldest_tool_output_first_and_keeps_thinking_and_newest() -> None:
    big = "line\n" * 2000
    thinking = ThinkingBlock("plan", "sig-1")
    messages = [Message.user("task")]
    for n in range(3):
        messages.append(Message("assistant", [thinking, ToolUseBlock(f"t{n}", "view", {"path": "a.py"})]))
        messages.append(Message("user", [ToolResultBlock(f"t{n}", big)]))
    full = conversation_tokens("sys", TOOLS, messages)
    limit = full - 3000  # room gained by trimming one old output is ~3.3k tokens
    trimmed = trim_to_fit("sys", TOOLS, messages, limit)
    assert trimmed == 1
    assert messages[2].content[0].content == TRIMMED
    assert messages[4].content[0].content == big and messages[6].content[0].content == big
    assert all(m.content[0] is thinking for m in messages if m.role == "assistant")
    assert conversation_tokens("sys", TOOLS, messages) <= limit

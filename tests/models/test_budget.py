"""The budget translation table and the cost functions, row by row."""

from __future__ import annotations

import pytest

from agent.models import ThinkingControl, cost_usd, get_capabilities, translate_budget, worst_case_cost
from agent.models.types import Usage

# (model, thinking_budget, max_tokens) -> (kind, budget_tokens, effort, wire max_tokens)
TABLE = [
    # manual thinking: < 1024 means off; otherwise budget_tokens, max_tokens raised above it
    ("anthropic:claude-sonnet-4-5", 0, 4096, ("none", None, None, 4096)),
    ("anthropic:claude-sonnet-4-5", 1023, 4096, ("none", None, None, 4096)),
    ("anthropic:claude-sonnet-4-5", 1024, 4096, ("budget_tokens", 1024, None, 5120)),
    ("anthropic:claude-sonnet-4-5", 16000, 8000, ("budget_tokens", 16000, None, 24000)),
    # clipped by max output (64k): the answer keeps its 8000, thinking gets the rest
    ("anthropic:claude-sonnet-4-5", 100000, 8000, ("budget_tokens", 56000, None, 64000)),
    ("anthropic:claude-opus-4-1", 100000, 8000, ("budget_tokens", 24000, None, 32000)),
    # adaptive: highest effort whose typical spend fits; below the minimum thinking is off
    ("anthropic:claude-opus-4-7", 0, 4096, ("none", None, None, 4096)),
    ("anthropic:claude-opus-4-7", 1500, 4096, ("effort", None, "low", 5596)),
    ("anthropic:claude-opus-4-7", 8000, 4096, ("effort", None, "medium", 12096)),
    ("anthropic:claude-opus-4-7", 30000, 4096, ("effort", None, "high", 34096)),
    ("anthropic:claude-opus-4-7", 50000, 4096, ("effort", None, "xhigh", 54096)),
    ("anthropic:claude-opus-4-7", 500000, 4096, ("effort", None, "max", 128000)),
    ("anthropic:claude-sonnet-4-6", 500000, 4096, ("effort", None, "high", 64000)),
    # OpenAI: 'none' where offered, else the minimum the model can do
    ("openai:gpt-5.1", 0, 4096, ("effort", None, "none", 4096)),
    ("openai:gpt-5.1", 2000, 4096, ("effort", None, "low", 6096)),
    ("openai:gpt-5.1", 20000, 4096, ("effort", None, "high", 24096)),
    ("openai:gpt-5", 0, 4096, ("effort", None, "minimal", 4296)),
    ("openai:gpt-5", 6000, 4096, ("effort", None, "medium", 10096)),
    ("openai:o3", 0, 4096, ("effort", None, "low", 5596)),
    # no reasoning control: the budget is ignored, max_tokens passes through (capped)
    ("openai:gpt-4.1", 8000, 4096, ("none", None, None, 4096)),
    ("openai:gpt-4.1", 0, 100000, ("none", None, None, 32768)),
]


@pytest.mark.parametrize("name,budget,max_tokens,expected", TABLE)
def test_translation_table(name: str, budget: int, max_tokens: int, expected: tuple) -> None:
    control = translate_budget(get_capabilities(name), budget, max_tokens)
    assert (control.kind, control.budget_tokens, control.effort, control.max_tokens) == expected
    caps = get_capabilities(name)
    assert control.max_tokens <= caps.max_output_tokens
    if control.kind == "budget_tokens":
        assert 1024 <= control.budget_tokens < control.max_tokens


def test_minimum_thinking_is_said_out_loud() -> None:
    control = translate_budget(get_capabilities("openai:gpt-5"), 0, 1000)
    assert control.thinking and "cannot think less" in control.note
    clipped = translate_budget(get_capabilities("anthropic:claude-sonnet-4-5"), 100000, 8000)
    assert "clipped" in clipped.note


def test_thinking_flag() -> None:
    assert not ThinkingControl("effort", 10, effort="none").thinking
    assert ThinkingControl("budget_tokens", 2000, budget_tokens=1024).thinking


def test_cost_and_worst_case() -> None:
    caps = get_capabilities("anthropic:claude-sonnet-4-5")
    usage = Usage(input_tokens=1_000_000, output_tokens=100_000, cache_write_tokens=200_000,
                  cache_read_tokens=2_000_000)
    # 3.00 + 1.50 + 0.75 + 0.60
    assert cost_usd(usage, caps) == pytest.approx(5.85)
    # all input at the cache-write price (3.75), all output
    assert worst_case_cost(caps, 100_000, 10_000) == pytest.approx(0.375 + 0.15)
    gpt = get_capabilities("openai:gpt-5")
    assert worst_case_cost(gpt, 1_000_000, 0) == pytest.approx(1.25)
    assert worst_case_cost(caps, 1000, 1000) >= cost_usd(Usage(input_tokens=1000, output_tokens=1000), caps)

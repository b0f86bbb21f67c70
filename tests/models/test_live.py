"""Live calls to the real APIs: opt-in (DIAL_LIVE_TESTS=1 and the provider's key in the environment)."""

from __future__ import annotations

import os

import pytest

from agent.config import DialConfig
from agent.models import make_model
from agent.models.types import Message, ModelRequest, ToolResultBlock
from tests.models.conftest import VIEW_TOOL

pytestmark = pytest.mark.live


def _need(var: str) -> None:
    if os.environ.get("DIAL_LIVE_TESTS") != "1" or not os.environ.get(var):
        pytest.skip(f"live test: set DIAL_LIVE_TESTS=1 and {var}")


@pytest.mark.parametrize("name,var", [("anthropic:claude-haiku-4-5", "ANTHROPIC_API_KEY"),
                                      ("openai:gpt-5-mini", "OPENAI_API_KEY")])
def test_live_tool_loop(name: str, var: str) -> None:
    _need(var)
    model = make_model(name, DialConfig())
    messages = [Message.user("Use the view tool to read the file 'a.py', then tell me what it returns.")]
    first = model.complete(ModelRequest("You are terse.", messages, [VIEW_TOOL], thinking_budget=2000,
                                        max_tokens=1000))
    assert first.stop_reason == "tool_use" and first.usage.input_tokens > 0
    call = first.message().tool_uses()[0]
    messages += [first.message(), Message("user", [ToolResultBlock(call.id, "def f():\n    return 42\n")])]
    second = model.complete(ModelRequest("You are terse.", messages, [VIEW_TOOL], thinking_budget=2000,
                                         max_tokens=1000))
    assert "42" in second.message().text()


@pytest.mark.parametrize("name,var", [("anthropic:claude-haiku-4-5", "ANTHROPIC_API_KEY"),
                                      ("openai:gpt-5-mini", "OPENAI_API_KEY")])
def test_live_difficulty_rating_call_answers_a_digit(name: str, var: str) -> None:
    """The rating call of `--refine-difficulty`, as the loop makes it: thinking off, 16 output tokens."""
    _need(var)
    from agent.execute.prompts import Prompts
    from agent.plan.refine import parse_rating, rating_request
    from agent.plan.types import Site

    sites = [Site("shop/money.py", "shop.money.to_cents", 3, 5, 1.0)]
    request = rating_request(Prompts().render, "to_cents(0.29) returns 28: it truncates instead of rounding", "",
                             sites)
    response = make_model(name, DialConfig()).complete(request)
    assert parse_rating(response.message().text()) in {1, 2}, response.message().text()

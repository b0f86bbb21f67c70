"""The Anthropic provider against the signature-verifying loopback server."""

from __future__ import annotations

from typing import Any

import pytest

from agent.models import BadRequestError
from agent.models.types import (
    Message,
    ModelRequest,
    RedactedThinkingBlock,
    TextBlock,
    ThinkingBlock,
    ToolResultBlock,
    ToolUseBlock,
)
from tests.models.conftest import EDITOR_TOOL, TEST_KEY, VIEW_TOOL
from tests.servers import AnthropicServer, reply_text, reply_tool_use

SYSTEM = "You are dial. Repo map:\nsrc/a.py: def f()"


def tool_loop(model: Any, stream: bool, budget: int = 4000) -> tuple[list[Message], Any]:
    messages = [Message.user("Fix f in src/a.py")]
    first = model.complete(ModelRequest(SYSTEM, messages, [VIEW_TOOL], thinking_budget=budget, max_tokens=2000,
                                        stream=stream))
    call = first.message().tool_uses()[0]
    messages += [first.message(), Message("user", [ToolResultBlock(call.id, "def f(): return 1")])]
    second = model.complete(ModelRequest(SYSTEM, messages, [VIEW_TOOL], thinking_budget=budget, max_tokens=2000,
                                         stream=stream))
    return messages, second


@pytest.mark.parametrize("stream", [True, False])
def test_two_turn_tool_loop_with_thinking_is_accepted(connect: Any, stream: bool) -> None:
    script = [reply_tool_use("view", {"path": "src/a.py"}, thinking="I need to read a.py first.",
                             redacted="opaque-safety-data"),
              reply_text("f now returns 2.", thinking="The fix is one line.")]
    with AnthropicServer(script) as srv:
        model = connect("anthropic:claude-sonnet-4-5", srv)
        messages, second = tool_loop(model, stream)
    assert srv.errors == []
    assert second.stop_reason == "end_turn" and second.message().text() == "f now returns 2."
    assert isinstance(second.content[0], ThinkingBlock) and second.content[0].signature.startswith("sig-")
    echoed = srv.requests[1].messages[1]["content"]
    assert [b["type"] for b in echoed] == ["thinking", "redacted_thinking", "tool_use"]
    assert echoed[0]["signature"] == srv.sign("I need to read a.py first.")
    body = srv.requests[1].body
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 4000} and body["max_tokens"] == 6000
    assert srv.requests[1].headers["anthropic-beta"] == "interleaved-thinking-2025-05-14"
    assert second.usage.thinking_estimated and second.usage.thinking_tokens > 0
    assert ("stream" in body) is stream


def test_modified_thinking_is_refused(connect: Any) -> None:
    with AnthropicServer([reply_tool_use("view", {"path": "a.py"}, thinking="plan A"), reply_text("x")]) as srv:
        model = connect("anthropic:claude-sonnet-4-5", srv)
        first = model.complete(ModelRequest(SYSTEM, [Message.user("go")], [VIEW_TOOL], thinking_budget=2000))
        tampered = [ThinkingBlock("plan B", b.signature) if isinstance(b, ThinkingBlock) else b
                    for b in first.content]
        call = first.message().tool_uses()[0]
        messages = [Message.user("go"), Message("assistant", tampered),
                    Message("user", [ToolResultBlock(call.id, "ok")])]
        with pytest.raises(BadRequestError) as info:
            model.complete(ModelRequest(SYSTEM, messages, [VIEW_TOOL], thinking_budget=2000))
    assert "signature" in info.value.problem and "HTTP 400" in info.value.problem
    assert len(srv.requests) == 2  # a 400 is not retried


def test_dropped_thinking_in_the_latest_turn_is_refused(connect: Any) -> None:
    with AnthropicServer([reply_tool_use("view", {"path": "a.py"}, thinking="plan"), reply_text("x")]) as srv:
        model = connect("anthropic:claude-sonnet-4-5", srv)
        first = model.complete(ModelRequest(SYSTEM, [Message.user("go")], [VIEW_TOOL], thinking_budget=2000))
        rebuilt = Message("assistant", first.message().tool_uses())
        messages = [Message.user("go"), rebuilt, Message("user", [ToolResultBlock(rebuilt.tool_uses()[0].id, "")])]
        with pytest.raises(BadRequestError, match="cannot be modified"):
            model.complete(ModelRequest(SYSTEM, messages, [VIEW_TOOL], thinking_budget=2000))


def test_prompt_caching_marks_the_stable_prefix_and_the_history(connect: Any) -> None:
    with AnthropicServer([reply_text("a")]) as srv:
        model = connect("anthropic:claude-sonnet-4-5", srv)
        messages = [Message.user("one"), Message("assistant", [TextBlock("two")]), Message.user("three")]
        model.complete(ModelRequest(SYSTEM, messages, [VIEW_TOOL]))
    body = srv.requests[0].body
    assert body["system"] == [{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}]
    assert body["messages"][2]["content"][0]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in body["messages"][0]["content"][0]
    assert srv.errors == []


def test_tool_loop_reads_its_history_from_the_cache(connect: Any) -> None:
    script = [reply_tool_use("view", {"path": "a.py"}), reply_tool_use("view", {"path": "b.py"}), reply_text("k")]
    with AnthropicServer(script) as srv:
        model = connect("anthropic:claude-sonnet-4-5", srv)
        messages = [Message.user("Fix f in src/a.py " * 50)]
        usages = []
        for _ in range(3):
            response = model.complete(ModelRequest(SYSTEM * 20, messages, [VIEW_TOOL]))
            usages.append(response.usage)
            if response.stop_reason == "tool_use":
                call = response.message().tool_uses()[0]
                messages += [response.message(), Message("user", [ToolResultBlock(call.id, "x = 1\n" * 40)])]
    first, second, third = usages
    assert first.cache_write_tokens > 0 and first.cache_read_tokens == 0
    assert second.cache_read_tokens == first.cache_write_tokens  # everything the first call sent is reused
    assert third.cache_read_tokens == second.cache_read_tokens + second.cache_write_tokens
    assert third.input_tokens < 10  # only what follows the last breakpoint is uncached
    assert srv.errors == []


def test_caching_off_sends_no_breakpoints(connect: Any) -> None:
    with AnthropicServer([reply_text("a")]) as srv:
        model = connect("anthropic:claude-sonnet-4-5", srv)
        model.complete(ModelRequest(SYSTEM, [Message.user("x")], [VIEW_TOOL], cache_prefix=False))
    assert "cache_control" not in str(srv.requests[0].body)


def test_native_text_editor_declared_by_type(connect: Any) -> None:
    with AnthropicServer([reply_tool_use("str_replace_based_edit_tool", {"command": "view", "path": "a.py"})]) as srv:
        model = connect("anthropic:claude-sonnet-4-5", srv)
        response = model.complete(ModelRequest(SYSTEM, [Message.user("x")], [EDITOR_TOOL, VIEW_TOOL]))
    tools = srv.requests[0].body["tools"]
    assert tools[0] == {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"}
    assert tools[1]["input_schema"]["required"] == ["path"]
    assert response.message().tool_uses()[0].input == {"command": "view", "path": "a.py"}
    assert srv.errors == []


def test_model_without_native_editor_gets_the_json_schema(connect: Any) -> None:
    with AnthropicServer([reply_text("a")]) as srv:
        model = connect("anthropic:claude-3-7-sonnet-latest", srv)
        model.complete(ModelRequest(SYSTEM, [Message.user("x")], [EDITOR_TOOL]))
    assert "input_schema" in srv.requests[0].body["tools"][0] and srv.errors == []


@pytest.mark.parametrize("stream", [True, False])
def test_adaptive_model_gets_effort_never_budget_tokens(connect: Any, stream: bool) -> None:
    with AnthropicServer([reply_tool_use("view", {"path": "a.py"}, thinking="hmm"), reply_text("ok")]) as srv:
        model = connect("anthropic:claude-opus-4-7", srv)
        tool_loop(model, stream, budget=9000)
    body = srv.requests[1].body
    assert body["thinking"] == {"type": "adaptive"} and body["output_config"] == {"effort": "medium"}
    assert body["max_tokens"] == 11000 and srv.errors == []


def test_server_refuses_budget_tokens_on_adaptive_only_models(connect: Any) -> None:
    overrides = {"anthropic:claude-opus-4-7": {"reasoning": "budget_tokens"}}
    from agent.config import DialConfig, ModelSettings

    config = DialConfig(model=ModelSettings(capabilities=overrides))
    with AnthropicServer([reply_text("a")]) as srv:
        model = connect("anthropic:claude-opus-4-7", srv, config)
        with pytest.raises(BadRequestError, match="adaptive"):
            model.complete(ModelRequest(SYSTEM, [Message.user("x")], thinking_budget=4000))


def test_no_thinking_below_1024(connect: Any) -> None:
    with AnthropicServer([reply_text("a")]) as srv:
        model = connect("anthropic:claude-sonnet-4-5", srv)
        model.complete(ModelRequest(SYSTEM, [Message.user("x")], thinking_budget=1000, max_tokens=500))
    assert "thinking" not in srv.requests[0].body and srv.requests[0].body["max_tokens"] == 500


def test_streamed_text_reaches_the_callback_and_usage_is_exact(connect: Any) -> None:
    seen: list[str] = []
    usage = {"input_tokens": 1200, "output_tokens": 80, "cache_write_tokens": 3000, "cache_read_tokens": 9000}
    with AnthropicServer([reply_text("Hello, world. Done.", usage=usage)]) as srv:
        model = connect("anthropic:claude-sonnet-4-5", srv)
        response = model.complete(ModelRequest(SYSTEM, [Message.user("x")], on_text=seen.append))
    assert "".join(seen) == "Hello, world. Done." and len(seen) == 2
    u = response.usage
    assert (u.input_tokens, u.output_tokens, u.cache_write_tokens, u.cache_read_tokens) == (1200, 80, 3000, 9000)
    assert not u.thinking_estimated and not u.incomplete


def test_history_from_another_provider_is_sent_safely(connect: Any) -> None:
    history = [Message.user("q"), Message("assistant", [ThinkingBlock("unsigned reasoning"), TextBlock("a"),
                                                        TextBlock("")]), Message.user("next")]
    with AnthropicServer([reply_text("ok")]) as srv:
        connect("anthropic:claude-sonnet-4-5", srv).complete(ModelRequest(SYSTEM, history))
    assert srv.errors == [] and srv.requests[0].messages[1]["content"] == [{"type": "text", "text": "a"}]


def test_parallel_tool_uses_and_tool_errors(connect: Any) -> None:
    from tests.servers import reply_tool_uses

    with AnthropicServer([reply_tool_uses([("view", {"path": "a"}), ("view", {"path": "b"})]), reply_text("k")]) as srv:
        model = connect("anthropic:claude-sonnet-4-5", srv)
        first = model.complete(ModelRequest(SYSTEM, [Message.user("x")], [VIEW_TOOL]))
        a, b = first.message().tool_uses()
        results = Message("user", [ToolResultBlock(a.id, "A"), ToolResultBlock(b.id, "missing", is_error=True)])
        model.complete(ModelRequest(SYSTEM, [Message.user("x"), first.message(), results], [VIEW_TOOL]))
    assert srv.errors == []
    assert srv.requests[1].messages[2]["content"][1]["is_error"] is True


def test_key_is_sent_as_header_only(connect: Any) -> None:
    with AnthropicServer([reply_text("a")]) as srv:
        model = connect("anthropic:claude-sonnet-4-5", srv)
        model.complete(ModelRequest(SYSTEM, [Message.user("x")]))
    assert srv.requests[0].headers["x-api-key"] == TEST_KEY
    assert TEST_KEY not in str(srv.requests[0].body) and TEST_KEY not in repr(model)
    assert srv.requests[0].headers["anthropic-version"] == "2023-06-01"


def test_redacted_thinking_round_trips_unchanged(connect: Any) -> None:
    with AnthropicServer([reply_tool_use("view", {"path": "a"}, redacted="hidden"), reply_text("k")]) as srv:
        messages, _ = tool_loop(connect("anthropic:claude-sonnet-4-5", srv), stream=True)
    redacted = [b for b in messages[1].content if isinstance(b, RedactedThinkingBlock)]
    assert redacted and srv.requests[1].messages[1]["content"][0] == {"type": "redacted_thinking",
                                                                     "data": redacted[0].data}
    assert isinstance(messages[1].content[-1], ToolUseBlock) and srv.errors == []

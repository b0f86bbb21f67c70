"""The OpenAI and OpenAI-compatible providers against the Chat Completions loopback server."""

from __future__ import annotations

from typing import Any

import pytest

from agent.config import DialConfig, ProviderSettings
from agent.models import make_model
from agent.models.types import Message, ModelRequest, TextBlock, ThinkingBlock, ToolResultBlock
from tests.models.conftest import TEST_KEY, VIEW_TOOL
from tests.servers import OpenAIServer, reply_text, reply_tool_use


@pytest.mark.parametrize("stream", [True, False])
def test_tool_loop_with_reasoning_effort(connect: Any, stream: bool) -> None:
    usage = {"input_tokens": 900, "output_tokens": 700, "reasoning_tokens": 500, "cache_read_tokens": 4000}
    with OpenAIServer([reply_tool_use("view", {"path": "a.py"}, thinking="read it"),
                       reply_text("fixed", usage=usage)]) as srv:
        model = connect("openai:gpt-5", srv)
        messages = [Message.user("fix a.py")]
        first = model.complete(ModelRequest("sys", messages, [VIEW_TOOL], thinking_budget=6000, max_tokens=3000,
                                            stream=stream))
        call = first.message().tool_uses()[0]
        assert first.stop_reason == "tool_use" and call.input == {"path": "a.py"}
        messages += [first.message(), Message("user", [ToolResultBlock(call.id, "x = 1")])]
        second = model.complete(ModelRequest("sys", messages, [VIEW_TOOL], thinking_budget=6000, max_tokens=3000,
                                             stream=stream))
    assert srv.errors == []
    body = srv.requests[1].body
    assert body["reasoning_effort"] == "medium" and body["max_completion_tokens"] == 9000
    assert "max_tokens" not in body
    assert body["messages"][0] == {"role": "system", "content": "sys"}
    assert body["messages"][2]["tool_calls"][0]["function"]["name"] == "view"
    assert body["messages"][3] == {"role": "tool", "tool_call_id": call.id, "content": "x = 1"}
    assert body["tools"][0]["function"]["parameters"]["required"] == ["path"]
    assert (body.get("stream_options") == {"include_usage": True}) is stream
    assert second.message().text() == "fixed" and second.stop_reason == "end_turn"
    u = second.usage
    assert (u.input_tokens, u.cache_read_tokens, u.output_tokens, u.thinking_tokens) == (900, 4000, 700, 500)
    assert not u.thinking_estimated


def test_model_without_none_uses_its_minimum(connect: Any) -> None:
    with OpenAIServer([reply_text("a")]) as srv:
        connect("openai:gpt-5", srv).complete(ModelRequest("s", [Message.user("x")], thinking_budget=0, max_tokens=100))
    assert srv.requests[0].body["reasoning_effort"] == "minimal" and srv.errors == []


def test_model_with_none_turns_reasoning_off(connect: Any) -> None:
    with OpenAIServer([reply_text("a")]) as srv:
        connect("openai:gpt-5.1", srv).complete(ModelRequest("s", [Message.user("x")], max_tokens=100))
    assert srv.requests[0].body["reasoning_effort"] == "none" and srv.errors == []
    assert srv.requests[0].body["max_completion_tokens"] == 100


def test_non_reasoning_model_gets_no_effort(connect: Any) -> None:
    with OpenAIServer([reply_text("a")]) as srv:
        connect("openai:gpt-4.1", srv).complete(ModelRequest("s", [Message.user("x")], thinking_budget=9000))
    assert "reasoning_effort" not in srv.requests[0].body and srv.errors == []


def test_streamed_text_reaches_the_callback(connect: Any) -> None:
    seen: list[str] = []
    with OpenAIServer([reply_text("streamed words")]) as srv:
        connect("openai:gpt-5", srv).complete(ModelRequest("s", [Message.user("x")], on_text=seen.append))
    assert "".join(seen) == "streamed words"


def test_tool_result_with_text_and_error(connect: Any) -> None:
    with OpenAIServer([reply_tool_use("view", {"path": "a"}), reply_text("k")]) as srv:
        model = connect("openai:gpt-5", srv)
        first = model.complete(ModelRequest("s", [Message.user("x")], [VIEW_TOOL]))
        call = first.message().tool_uses()[0]
        follow = Message("user", [ToolResultBlock(call.id, "no such file", is_error=True), TextBlock("hint")])
        model.complete(ModelRequest("s", [Message.user("x"), first.message(), follow], [VIEW_TOOL]))
    sent = srv.requests[1].body["messages"]
    assert sent[3] == {"role": "tool", "tool_call_id": call.id, "content": "ERROR: no such file"}
    assert sent[4] == {"role": "user", "content": "hint"} and srv.errors == []


@pytest.mark.parametrize("stream", [True, False])
def test_openai_compatible_without_key(stream: bool) -> None:
    config = DialConfig(providers={"openai-compatible": ProviderSettings()})
    with OpenAIServer([reply_tool_use("view", {"path": "a"}), reply_text("ok")], require_key=False) as srv:
        config.providers["openai-compatible"].base_url = srv.base_url
        model = make_model("openai-compatible:qwen3-coder", config, env={"OPENAI_API_KEY": TEST_KEY})
        first = model.complete(ModelRequest("s", [Message.user("x")], [VIEW_TOOL], thinking_budget=5000,
                                            max_tokens=800, stream=stream))
    request = srv.requests[0]
    assert "authorization" not in request.headers  # the OpenAI key never goes to another server
    assert request.body["max_tokens"] == 800 and request.body["max_completion_tokens"] == 800
    assert "reasoning_effort" not in request.body
    assert first.message().tool_uses()[0].name == "view" and srv.errors == []


def test_compatible_server_without_usage_is_estimated() -> None:
    from agent.models.openai import OpenAICompatibleModel
    from agent.models import get_capabilities
    import httpx
    import json

    def handler(request: httpx.Request) -> httpx.Response:
        body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "x" * 400,
                                                     "reasoning_content": "because"}, "finish_reason": "stop"}]}
        return httpx.Response(200, json=body)

    model = OpenAICompatibleModel(get_capabilities("openai-compatible:qwen3-coder"), base_url="http://local/v1",
                                  api_key=None, transport=httpx.MockTransport(handler))
    response = model.complete(ModelRequest("s", [Message.user("x")], stream=False))
    assert response.usage.output_tokens >= 100 and response.usage.input_tokens > 0
    assert isinstance(response.content[0], ThinkingBlock) and response.message().text() == "x" * 400
    assert json.dumps(response.usage.as_dict())

"""The loopback servers refuse what the real APIs refuse (so a passing provider test means something)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.servers import AnthropicServer, OpenAIServer, reply_text, reply_tool_use

HEADERS = {"x-api-key": "k", "anthropic-version": "2023-06-01"}


def post(srv: Any, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    url = srv.base_url + ("/v1/messages" if isinstance(srv, AnthropicServer) else "/chat/completions")
    return httpx.post(url, json=body, headers=HEADERS if headers is None else headers, timeout=5)


def messages(text: str = "hi") -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"type": "text", "text": text}]}]


@pytest.mark.parametrize("thinking,max_tokens,beta,fragment", [
    ({"type": "enabled", "budget_tokens": 1000}, 4000, "", "greater than or equal to 1024"),
    ({"type": "enabled", "budget_tokens": 4000}, 4000, "", "must be greater than"),
    ({"type": "enabled", "budget_tokens": 8000}, 4000, "interleaved-thinking-2025-05-14", None),
    ({"type": "enabled", "budget_tokens": 2000}, 4000, "", None),
])
def test_anthropic_budget_rules(thinking: dict, max_tokens: int, beta: str, fragment: str | None) -> None:
    with AnthropicServer([reply_text("ok")]) as srv:
        headers = {**HEADERS, **({"anthropic-beta": beta} if beta else {})}
        response = post(srv, {"model": "claude-sonnet-4-5", "max_tokens": max_tokens, "messages": messages(),
                              "thinking": thinking}, headers)
    if fragment is None:
        assert response.status_code == 200 and srv.errors == []
    else:
        assert response.status_code == 400 and fragment in response.json()["error"]["message"]
        assert srv.errors and srv.served == 0


def test_adaptive_only_model_refuses_budget_tokens_and_old_model_refuses_adaptive() -> None:
    with AnthropicServer([reply_text("ok")]) as srv:
        r1 = post(srv, {"model": "claude-opus-4-7", "max_tokens": 9000, "messages": messages(),
                        "thinking": {"type": "enabled", "budget_tokens": 2000}})
        r2 = post(srv, {"model": "claude-sonnet-4-5", "max_tokens": 9000, "messages": messages(),
                        "thinking": {"type": "adaptive"}})
        r3 = post(srv, {"model": "claude-opus-4-7", "max_tokens": 9000, "messages": messages(),
                        "thinking": {"type": "adaptive"}, "output_config": {"effort": "xhigh"}})
    assert (r1.status_code, r2.status_code, r3.status_code) == (400, 400, 200)


def test_anthropic_tool_use_must_be_answered() -> None:
    conversation = messages() + [
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "view", "input": {}}]},
        {"role": "user", "content": [{"type": "text", "text": "forgot the result"}]},
    ]
    with AnthropicServer([reply_text("ok")]) as srv:
        response = post(srv, {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": conversation})
        stray = post(srv, {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "nope", "content": "x"}]}]})
    assert response.status_code == 400 and "without `tool_result`" in response.json()["error"]["message"]
    assert stray.status_code == 400 and "unexpected `tool_use_id`" in stray.json()["error"]["message"]


def test_anthropic_auth_and_version_headers() -> None:
    with AnthropicServer([reply_text("ok")]) as srv:
        no_key = post(srv, {"model": "m", "max_tokens": 1, "messages": messages()}, {"anthropic-version": "x"})
        no_version = post(srv, {"model": "m", "max_tokens": 1, "messages": messages()}, {"x-api-key": "k"})
    assert no_key.status_code == 401 and no_key.json()["error"]["type"] == "authentication_error"
    assert no_version.status_code == 400


def test_callable_script_item_sees_the_conversation() -> None:
    def answer(body: dict[str, Any]) -> Any:
        return reply_text(f"you sent {len(body['messages'])} messages")

    with AnthropicServer([answer]) as srv:
        response = post(srv, {"model": "claude-sonnet-4-5", "max_tokens": 50, "messages": messages()})
    assert response.json()["content"][0]["text"] == "you sent 1 messages"


def test_script_exhausted_is_a_500_with_a_clear_body() -> None:
    with OpenAIServer([]) as srv:
        response = post(srv, {"model": "gpt-5", "messages": messages()}, {"authorization": "Bearer k"})
    assert response.status_code == 500 and "script exhausted" in response.json()["error"]["message"]
    assert "script exhausted" in srv.errors[0]


def test_openai_rules() -> None:
    auth = {"authorization": "Bearer k"}
    with OpenAIServer([reply_text("ok")]) as srv:
        max_tokens = post(srv, {"model": "gpt-5", "max_tokens": 10, "messages": messages()}, auth)
        effort = post(srv, {"model": "gpt-5.1", "reasoning_effort": "minimal", "messages": messages()}, auth)
        non_reasoning = post(srv, {"model": "gpt-4.1", "reasoning_effort": "low", "messages": messages()}, auth)
        dangling = post(srv, {"model": "gpt-4.1", "messages": messages() + [
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "v", "arguments": "{}"}}]},
            {"role": "user", "content": "no tool message"}]}, auth)
        no_auth = post(srv, {"model": "gpt-5", "messages": messages()}, {})
    assert [r.status_code for r in (max_tokens, effort, non_reasoning, dangling, no_auth)] == [400, 400, 400, 400, 401]
    assert "max_completion_tokens" in max_tokens.json()["error"]["message"]
    assert "c1" in dangling.json()["error"]["message"] and srv.served == 0


def test_thinking_signature_is_checked_on_any_turn() -> None:
    with AnthropicServer([reply_tool_use("v", {}, thinking="secret plan"), reply_text("ok")]) as srv:
        first = post(srv, {"model": "claude-sonnet-4-5", "max_tokens": 5000, "messages": messages(),
                           "thinking": {"type": "enabled", "budget_tokens": 2000}}).json()
        forged = [dict(b) for b in first["content"]]
        forged[0]["signature"] = "sig-forged"
        conversation = messages() + [{"role": "assistant", "content": forged}, {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": forged[1]["id"], "content": "ok"}]}]
        response = post(srv, {"model": "claude-sonnet-4-5", "max_tokens": 5000, "messages": conversation})
    assert response.status_code == 400 and "signature" in response.json()["error"]["message"]

"""Retries, backoff, billing of failed attempts, and the one-line errors that name the fix."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent.config import DialConfig, ProviderSettings
from agent.models import AuthError, BadRequestError, ContextTooLongError, ModelNotFoundError, ProviderUnavailableError
from agent.models.http import RetryPolicy
from agent.models.types import Message, ModelRequest
from tests.models.conftest import TEST_KEY
from tests.servers import (
    AnthropicServer,
    OpenAIServer,
    cut_stream,
    drop_connection,
    malformed_json,
    overloaded,
    rate_limited,
    reply_text,
    server_error,
    stall,
    status_error,
    stream_error,
)

REQUEST = dict(system="s", messages=[Message.user("hi")], max_tokens=1000)


def ask(model: Any, stream: bool = True, **kw: Any) -> Any:
    return model.complete(ModelRequest(**{**REQUEST, **kw, "stream": stream}))


@pytest.mark.parametrize("stream", [True, False])
def test_529_then_success(connect: Any, sleeps: Any, stream: bool) -> None:
    with AnthropicServer([overloaded(), server_error(502), reply_text("ok")]) as srv:
        response = ask(connect("anthropic:claude-sonnet-4-5", srv), stream)
    assert response.message().text() == "ok" and len(srv.requests) == 3
    assert len(sleeps.delays) == 2 and 0.5 <= sleeps.delays[0] <= 1.0 and 1.0 <= sleeps.delays[1] <= 2.0
    assert len(response.attempts_usage) == 1  # an overloaded request is not billed


def test_429_retry_after_is_honoured(connect: Any, sleeps: Any) -> None:
    retries: list[tuple[str, float]] = []
    with OpenAIServer([rate_limited(retry_after=7), reply_text("ok")]) as srv:
        response = ask(connect("openai:gpt-5", srv), on_retry=lambda why, wait: retries.append((why, wait)))
    assert sleeps.delays == [7.0] and response.message().text() == "ok"
    assert retries == [("HTTP 429: injected fault", 7.0)]


@pytest.mark.parametrize("server_cls,name", [(AnthropicServer, "anthropic:claude-sonnet-4-5"),
                                             (OpenAIServer, "openai:gpt-5")])
def test_stream_cut_midway_is_retried_whole_and_billed_at_worst_case(connect: Any, server_cls: Any,
                                                                      name: str) -> None:
    with server_cls([cut_stream(reply_text("a long answer that never ends"), after_events=4),
                     reply_text("complete answer")]) as srv:
        seen: list[str] = []
        response = ask(connect(name, srv), on_text=seen.append, thinking_budget=0)
    assert response.message().text() == "complete answer"
    cut, done = response.attempts_usage
    assert cut.incomplete and cut.output_tokens == 1000 + (200 if name == "openai:gpt-5" else 0)
    assert not done.incomplete
    assert response.usage.output_tokens == cut.output_tokens + done.output_tokens and response.usage.incomplete
    assert srv.requests[0].body == srv.requests[1].body  # the same request again, whole


def test_stream_error_event_is_retried(connect: Any) -> None:
    with AnthropicServer([stream_error(reply_text("partial"), after_events=3), reply_text("ok")]) as srv:
        response = ask(connect("anthropic:claude-sonnet-4-5", srv))
    assert response.message().text() == "ok" and response.attempts_usage[0].incomplete


@pytest.mark.parametrize("stream", [True, False])
def test_malformed_json_is_retried(connect: Any, stream: bool) -> None:
    with AnthropicServer([malformed_json(), reply_text("ok")]) as srv:
        response = ask(connect("anthropic:claude-sonnet-4-5", srv), stream)
    assert response.message().text() == "ok" and len(srv.requests) == 2
    assert response.attempts_usage[0].incomplete  # unknown spend counted at worst case


@pytest.mark.parametrize("stream", [True, False])
def test_dropped_connection_is_retried(connect: Any, stream: bool) -> None:
    with OpenAIServer([drop_connection(), reply_text("ok")]) as srv:
        response = ask(connect("openai:gpt-5", srv), stream)
    assert response.message().text() == "ok" and len(response.attempts_usage) == 1


@pytest.mark.parametrize("stream", [True, False])
def test_read_timeout_is_retried(connect: Any, sleeps: Any, stream: bool) -> None:
    config = DialConfig(providers={"anthropic": ProviderSettings(timeout_s=0.3)})
    with AnthropicServer([stall(1.5), reply_text("ok")]) as srv:
        response = ask(connect("anthropic:claude-sonnet-4-5", srv, config), stream)
    assert response.message().text() == "ok" and len(sleeps.delays) == 1
    assert len(response.attempts_usage) == 1


def test_server_may_forbid_a_retry(connect: Any, sleeps: Any) -> None:
    forbid = status_error(529, body='{"error": {"message": "overloaded"}}')
    with AnthropicServer([forbid, reply_text("never")]) as srv:
        srv.extra_headers = {"x-should-retry": "false"}
        with pytest.raises(ProviderUnavailableError, match="HTTP 529"):
            ask(connect("anthropic:claude-sonnet-4-5", srv))
    assert len(srv.requests) == 1 and sleeps.delays == []


def test_non_retryable_stream_error_is_raised_at_once(connect: Any) -> None:
    bad = stream_error(reply_text("x"), after_events=2, error_type="invalid_request_error")
    cut = cut_stream(reply_text("half"), after_events=4)
    with AnthropicServer([cut, bad, reply_text("never")]) as srv:
        with pytest.raises(BadRequestError, match="invalid_request_error") as info:
            ask(connect("anthropic:claude-sonnet-4-5", srv))
    assert len(srv.requests) == 2
    assert [u.incomplete for u in info.value.attempts_usage] == [True]  # the cut attempt is still charged


def test_retries_run_out_with_a_clear_error(connect: Any, sleeps: Any) -> None:
    config = DialConfig(providers={"anthropic": ProviderSettings(max_retries=2)})
    cut = cut_stream(reply_text("never finished"), after_events=4)
    with AnthropicServer([overloaded(), cut, overloaded()]) as srv:
        model = connect("anthropic:claude-sonnet-4-5", srv, config)
        with pytest.raises(ProviderUnavailableError) as info:
            ask(model)
    assert len(srv.requests) == 3 and len(sleeps.delays) == 2
    assert "failed 3 times" in info.value.problem and "max_retries" in info.value.fix
    assert len(info.value.attempts_usage) == 1 and info.value.attempts_usage[0].incomplete


def test_script_exhausted_fails_loudly(connect: Any) -> None:
    config = DialConfig(providers={"anthropic": ProviderSettings(max_retries=0)})
    with AnthropicServer([]) as srv:
        with pytest.raises(ProviderUnavailableError, match="script exhausted"):
            ask(connect("anthropic:claude-sonnet-4-5", srv, config))
    assert srv.errors and "script exhausted" in srv.errors[0]


def test_connection_refused_is_retried_then_reported(sleeps: Any) -> None:
    from agent.models import make_model

    config = DialConfig(providers={"openai": ProviderSettings(max_retries=1, connect_timeout_s=1)})
    with OpenAIServer() as srv:
        url = srv.base_url
    model = make_model("openai:gpt-5", config, env={"OPENAI_API_KEY": TEST_KEY, "OPENAI_BASE_URL": url},
                       sleep=sleeps)
    with pytest.raises(ProviderUnavailableError, match="connection failed"):
        ask(model)
    assert len(sleeps.delays) == 1


def test_401_names_the_variable_and_hides_the_key(connect: Any) -> None:
    body = {"type": "error", "error": {"type": "authentication_error", "message": f"invalid x-api-key {TEST_KEY}"}}
    with AnthropicServer([status_error(401, body=json.dumps(body))]) as srv:
        with pytest.raises(AuthError) as info:
            ask(connect("anthropic:claude-sonnet-4-5", srv))
    text = info.value.render()
    assert "ANTHROPIC_API_KEY" in info.value.fix and TEST_KEY not in text and "[redacted]" in text
    assert len(srv.requests) == 1 and "\n" not in info.value.problem


def test_401_from_a_wrong_key(connect: Any) -> None:
    with OpenAIServer([reply_text("x")], api_keys={TEST_KEY}) as srv:
        with pytest.raises(AuthError, match="HTTP 401") as info:
            ask(connect("openai:gpt-5", srv, key=None, config=DialConfig(
                providers={"openai": ProviderSettings(api_key="bad")})))
    assert "OPENAI_API_KEY" in info.value.fix


def test_404_lists_the_known_models(connect: Any) -> None:
    with OpenAIServer([status_error(404, body='{"error": {"message": "The model gpt-7 does not exist"}}')]) as srv:
        with pytest.raises(ModelNotFoundError) as info:
            ask(connect("openai:gpt-7", srv))
    assert "gpt-7" in info.value.problem and "openai:gpt-5" in info.value.fix


def test_400_is_not_retried_and_context_too_long_is_named(connect: Any) -> None:
    too_long = json.dumps({"type": "error", "error": {"type": "invalid_request_error",
                                                      "message": "prompt is too long: 210000 tokens > 200000 maximum"}})
    with AnthropicServer([status_error(400, body=too_long)]) as srv:
        with pytest.raises(ContextTooLongError) as info:
            ask(connect("anthropic:claude-sonnet-4-5", srv))
    assert "map_tokens" in info.value.fix and len(srv.requests) == 1
    with AnthropicServer([status_error(400, body='{"error": {"message": "bad field"}}')]) as srv:
        with pytest.raises(BadRequestError, match="bad field"):
            ask(connect("anthropic:claude-sonnet-4-5", srv))


def test_backoff_grows_and_is_capped() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=10, random=lambda: 1.0)
    assert [policy.delay(i, None) for i in range(6)] == [1, 2, 4, 8, 10, 10]
    assert RetryPolicy(random=lambda: 0.0).delay(0, None) == 0.5
    assert policy.delay(3, 2.5) == 2.5 and policy.delay(0, 10_000) == 120

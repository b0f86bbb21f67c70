"""A loopback server speaking OpenAI Chat Completions (POST /v1/chat/completions), JSON and SSE.

Checks as the real API does: `Authorization: Bearer` present (unless `require_key=False`, as for local
OpenAI-compatible servers); reasoning models take `max_completion_tokens` (not `max_tokens`) and only their
own `reasoning_effort` values; a non-reasoning model refuses `reasoning_effort`; every assistant
`tool_calls` id answered by a `tool` message before the next user/assistant message; `stream_options` only
with `stream`. Reasoning is hidden (as OpenAI does) and reported as `reasoning_tokens`.

    with OpenAIServer([reply_tool_use("view", {"path": "a.py"}), reply_text("ok")]) as srv:
        env = {"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": srv.base_url}   # base_url ends in /v1
"""

from __future__ import annotations

import json
import time
from typing import Any, Iterable, Mapping

from tests.servers.base import ScriptedServer, estimate, sse
from tests.servers.script import Reply, ScriptItem

REASONING_EFFORTS: dict[str, frozenset[str]] = {
    "gpt-5": frozenset({"minimal", "low", "medium", "high"}),
    "gpt-5-mini": frozenset({"minimal", "low", "medium", "high"}),
    "gpt-5.1": frozenset({"none", "low", "medium", "high"}),
    "gpt-5.2": frozenset({"none", "low", "medium", "high", "xhigh"}),
    "o3": frozenset({"low", "medium", "high"}),
}
FINISH = {"end_turn": "stop", "tool_use": "tool_calls", "max_tokens": "length"}


class OpenAIServer(ScriptedServer):
    path = "/v1/chat/completions"

    def __init__(self, script: Iterable[ScriptItem] = (), *, require_key: bool = True,
                 reasoning_efforts: Mapping[str, frozenset[str]] = REASONING_EFFORTS,
                 secret: bytes = b"dial-loopback", api_keys: Iterable[str] | None = None) -> None:
        super().__init__(script, require_key=require_key, secret=secret, api_keys=api_keys)
        self.reasoning_efforts = dict(reasoning_efforts)

    def __enter__(self) -> "OpenAIServer":
        self.start()
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        kinds = {400: "invalid_request_error", 401: "invalid_request_error", 404: "invalid_request_error",
                 429: "rate_limit_exceeded"}
        return {"error": {"message": message, "type": kinds.get(status, "server_error"), "param": None,
                          "code": None}}

    def request_key(self, headers: dict[str, str]) -> str:
        value = headers.get("authorization", "")
        return value[len("Bearer "):].strip() if value.startswith("Bearer ") else ""

    def validate(self, body: dict[str, Any], headers: dict[str, str]) -> list[str]:
        problems: list[str] = []
        model = body.get("model") or ""
        if not model:
            problems.append("you must provide a model parameter")
        efforts = self.reasoning_efforts.get(model)
        if efforts is not None:
            if "max_tokens" in body:
                problems.append("Unsupported parameter: 'max_tokens' is not supported with this model. "
                                "Use 'max_completion_tokens' instead.")
            effort = body.get("reasoning_effort")
            if effort is not None and effort not in efforts:
                problems.append(f"Unsupported value: '{effort}' is not supported with the '{model}' model. "
                                f"Supported values are: {', '.join(sorted(efforts))}.")
        elif "reasoning_effort" in body:
            problems.append(f"Unrecognized request argument supplied: reasoning_effort ({model})")
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            problems.append("max_completion_tokens must be a positive integer")
        if "stream_options" in body and not body.get("stream"):
            problems.append("The 'stream_options' parameter is only allowed when 'stream' is enabled.")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return problems + ["messages: must be a non-empty array"]
        problems += self._check_tool_pairing(messages)
        return problems

    @staticmethod
    def _check_tool_pairing(messages: list[dict[str, Any]]) -> list[str]:
        problems: list[str] = []
        pending: set[str] = set()
        for i, message in enumerate(messages):
            role = message.get("role")
            if role == "tool":
                call_id = message.get("tool_call_id")
                if call_id not in pending:
                    problems.append(f"messages.[{i}]: messages with role 'tool' must be a response to a preceding "
                                    f"message with 'tool_calls' ({call_id})")
                pending.discard(call_id)
                continue
            if pending:
                problems.append("An assistant message with 'tool_calls' must be followed by tool messages "
                                f"responding to each 'tool_call_id'. Missing: {', '.join(sorted(pending))}")
                pending = set()
            if role == "assistant":
                pending = {c.get("id") for c in message.get("tool_calls") or []}
        if pending:
            problems.append("An assistant message with 'tool_calls' must be followed by tool messages responding "
                            f"to each 'tool_call_id'. Missing: {', '.join(sorted(pending))}")
        return problems

    # ---- rendering ---------------------------------------------------------------------------
    def _usage(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        given = reply.usage or {}
        thinking = sum(estimate(b.text) for b in reply.blocks if b.kind in ("thinking", "redacted"))
        visible = sum(estimate(b.text or json.dumps(b.input)) for b in reply.blocks
                      if b.kind in ("text", "tool_use"))
        reasoning = given.get("reasoning_tokens", thinking)
        cached = given.get("cache_read_tokens", 0)
        prompt = given.get("input_tokens", estimate(json.dumps(body.get("messages")))) + cached
        completion = given.get("output_tokens", visible + reasoning)
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": cached},
                "completion_tokens_details": {"reasoning_tokens": reasoning}}

    @staticmethod
    def _calls(reply: Reply) -> list[dict[str, Any]]:
        return [{"id": b.id, "type": "function", "function": {"name": b.name, "arguments": json.dumps(b.input)}}
                for b in reply.tool_uses]

    def render_json(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        text = "".join(b.text for b in reply.blocks if b.kind == "text")
        message: dict[str, Any] = {"role": "assistant", "content": text or None, "refusal": None}
        if reply.tool_uses:
            message["tool_calls"] = self._calls(reply)
        return {"id": f"chatcmpl-{self.served}", "object": "chat.completion", "created": int(time.time()),
                "model": body.get("model"),
                "choices": [{"index": 0, "message": message, "finish_reason": FINISH[reply.final_stop_reason()]}],
                "usage": self._usage(reply, body)}

    def render_events(self, reply: Reply, body: dict[str, Any]) -> list[str]:
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        base = {"id": f"chatcmpl-{self.served}", "object": "chat.completion.chunk", "created": int(time.time()),
                "model": body.get("model")}

        def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
            data = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            if include_usage:
                data["usage"] = None
            return sse(None, data)

        events = [chunk({"role": "assistant", "content": ""})]
        text = "".join(b.text for b in reply.blocks if b.kind == "text")
        for piece in ([text[: len(text) // 2], text[len(text) // 2:]] if text else []):
            events.append(chunk({"content": piece}))
        for index, call in enumerate(self._calls(reply)):
            args = call["function"]["arguments"]
            events.append(chunk({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                                 "function": {"name": call["function"]["name"], "arguments": ""}}]}))
            for piece in (args[: len(args) // 2], args[len(args) // 2:]):
                events.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]}))
        events.append(chunk({}, FINISH[reply.final_stop_reason()]))
        if include_usage:
            events.append(sse(None, {**base, "choices": [], "usage": self._usage(reply, body)}))
        events.append(sse(None, "[DONE]"))
        return events

"""A loopback server speaking the Anthropic Messages API (POST /v1/messages), JSON and SSE.

It checks requests the way the real API does:
- `x-api-key` and `anthropic-version` headers present;
- manual thinking: `budget_tokens` >= 1024 and < `max_tokens` unless the interleaved-thinking beta header
  is sent; `budget_tokens` refused for adaptive-only models; `adaptive` refused for models without it;
- thinking / redacted_thinking blocks echoed back intact (signature = HMAC of the text; redacted data must
  be what was issued), and the latest assistant turn's thinking present when thinking is on;
- every `tool_use` answered by a `tool_result` in the next user message, and no result without its call;
- tools either by `type` (text editor: name `str_replace_based_edit_tool`) or with an `input_schema`;
- at most 4 `cache_control` breakpoints.

    with AnthropicServer([reply_tool_use("view", {"path": "a.py"}, thinking="look"), reply_text("ok")]) as srv:
        env = {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": srv.base_url}
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, Iterable

from tests.servers.base import ScriptedServer, estimate, sse
from tests.servers.script import Block, Reply, ScriptItem

INTERLEAVED_BETA = "interleaved-thinking-2025-05-14"
ADAPTIVE_MODELS = frozenset({"claude-opus-4-7", "claude-opus-4-6", "claude-sonnet-4-6"})
ADAPTIVE_ONLY = frozenset({"claude-opus-4-7"})
EFFORTS = frozenset({"low", "medium", "high", "xhigh", "max"})
TEXT_EDITOR_NAMES = {"text_editor_20250728": "str_replace_based_edit_tool",
                     "text_editor_20250124": "str_replace_editor"}


class AnthropicServer(ScriptedServer):
    path = "/v1/messages"

    def __init__(self, script: Iterable[ScriptItem] = (), *, require_key: bool = True,
                 adaptive_models: frozenset[str] = ADAPTIVE_MODELS, adaptive_only: frozenset[str] = ADAPTIVE_ONLY,
                 secret: bytes = b"dial-loopback", api_keys: Iterable[str] | None = None,
                 min_cache_tokens: int = 0) -> None:
        super().__init__(script, require_key=require_key, secret=secret, api_keys=api_keys)
        self.min_cache_tokens = min_cache_tokens  # the real API caches nothing shorter (1024 on Sonnet)
        self._cache: set[str] = set()  # prefix hashes written by earlier requests
        self.adaptive_models = adaptive_models
        self.adaptive_only = adaptive_only
        self.issued_thinking: dict[str, list[dict[str, Any]]] = {}  # tool_use id -> thinking blocks issued
        self.issued_redacted: set[str] = set()

    def __enter__(self) -> "AnthropicServer":
        self.start()
        return self

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        kinds = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                 404: "not_found_error", 429: "rate_limit_error", 529: "overloaded_error"}
        return {"type": "error", "error": {"type": kinds.get(status, "api_error"), "message": message}}

    def stream_error_event(self, error_type: str) -> str:
        return sse("error", {"type": "error", "error": {"type": error_type, "message": "Overloaded"}})

    def request_key(self, headers: dict[str, str]) -> str:
        return headers.get("x-api-key", "")

    # ---- validation --------------------------------------------------------------------------
    def validate(self, body: dict[str, Any], headers: dict[str, str]) -> list[str]:
        problems: list[str] = []
        if not headers.get("anthropic-version"):
            problems.append("anthropic-version header is required")
        model = body.get("model")
        max_tokens = body.get("max_tokens")
        if not isinstance(model, str) or not model:
            problems.append("model: field required")
        if not isinstance(max_tokens, int) or max_tokens < 1:
            problems.append("max_tokens: field required (integer >= 1)")
            max_tokens = 0
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return problems + ["messages: at least one message is required"]
        if messages[0].get("role") != "user":
            problems.append("messages: first message must use the user role")
        thinking = body.get("thinking")
        thinking_on = isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive")
        problems += self._check_thinking(thinking, model or "", max_tokens, body, headers)
        problems += self._check_blocks(messages, thinking_on)
        problems += self._check_tools(body.get("tools") or [])
        breakpoints = json.dumps(body).count('"cache_control"')
        if breakpoints > 4:
            problems.append(f"A maximum of 4 blocks with cache_control may be provided. Found {breakpoints}.")
        return problems

    def _check_thinking(self, thinking: Any, model: str, max_tokens: int, body: dict[str, Any],
                        headers: dict[str, str]) -> list[str]:
        if thinking is None:
            return []
        kind = thinking.get("type")
        if kind == "enabled":
            if model in self.adaptive_only:
                return [f"thinking.type.enabled is not supported for model {model}; use thinking.type.adaptive"]
            budget = thinking.get("budget_tokens")
            if not isinstance(budget, int) or budget < 1024:
                return ["thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"]
            interleaved = INTERLEAVED_BETA in headers.get("anthropic-beta", "")
            if budget >= max_tokens and not interleaved:
                return [f"`max_tokens` must be greater than `thinking.budget_tokens` ({budget} >= {max_tokens})"]
            return []
        if kind == "adaptive":
            if model not in self.adaptive_models:
                return [f"thinking.type.adaptive is not supported for model {model}"]
            effort = (body.get("output_config") or {}).get("effort")
            if effort is not None and effort not in EFFORTS:
                return [f"output_config.effort: unknown value {effort!r}"]
            return []
        if kind == "disabled":
            return []
        return [f"thinking.type: unknown value {kind!r}"]

    def _check_blocks(self, messages: list[dict[str, Any]], thinking_on: bool) -> list[str]:
        problems: list[str] = []
        last_assistant = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=-1)
        for i, message in enumerate(messages):
            content = message.get("content")
            if isinstance(content, str):
                continue
            for block in content or []:
                if block.get("type") == "thinking" and block.get("signature") != self.sign(block.get("thinking", "")):
                    problems.append(f"messages.{i}: Invalid `signature` in `thinking` block (modified thinking?)")
                if block.get("type") == "redacted_thinking" and block.get("data") not in self.issued_redacted:
                    problems.append(f"messages.{i}: invalid redacted_thinking data")
                if block.get("type") == "text" and not block.get("text"):
                    problems.append(f"messages.{i}: text content blocks must be non-empty")
            if message.get("role") != "assistant":
                continue
            uses = [b["id"] for b in content or [] if b.get("type") == "tool_use"]
            if uses:
                nxt = messages[i + 1] if i + 1 < len(messages) else None
                nxt_content = nxt.get("content") if nxt else None
                answered = {b.get("tool_use_id") for b in nxt_content or [] if isinstance(b, dict)
                            and b.get("type") == "tool_result"} if isinstance(nxt_content, list) else set()
                missing = [u for u in uses if u not in answered]
                if nxt is None or nxt.get("role") != "user" or missing:
                    problems.append(f"messages.{i}: `tool_use` ids were found without `tool_result` blocks "
                                    f"immediately after: {', '.join(missing or uses)}")
            if i == last_assistant and thinking_on and uses:
                problems += self._check_echo(i, content or [], uses)
        for i, message in enumerate(messages):
            if message.get("role") != "user" or not isinstance(message.get("content"), list):
                continue
            prev = messages[i - 1] if i > 0 else {}
            prev_ids = {b.get("id") for b in prev.get("content") or [] if isinstance(b, dict)
                        and b.get("type") == "tool_use"} if prev.get("role") == "assistant" else set()
            for block in message["content"]:
                if block.get("type") == "tool_result" and block.get("tool_use_id") not in prev_ids:
                    problems.append(f"messages.{i}: unexpected `tool_use_id` found in `tool_result` blocks: "
                                    f"{block.get('tool_use_id')}. Each `tool_result` block must have a "
                                    "corresponding `tool_use` block in the previous message.")
        return problems

    def _check_echo(self, index: int, content: list[dict[str, Any]], uses: list[str]) -> list[str]:
        issued = next((self.issued_thinking[u] for u in uses if u in self.issued_thinking), None)
        if issued is None:
            return []
        sent = [{k: v for k, v in b.items() if k != "cache_control"} for b in content
                if b.get("type") in ("thinking", "redacted_thinking")]
        if sent != issued:
            return [f"messages.{index}.content: thinking or redacted_thinking blocks in the latest assistant "
                    "message cannot be modified. These blocks must remain as they were in the original response."]
        if content[: len(issued)] != issued:
            return [f"messages.{index}.content.0: Expected `thinking` or `redacted_thinking`, but found "
                    f"`{content[0].get('type')}`"]
        return []

    def _check_tools(self, tools: list[dict[str, Any]]) -> list[str]:
        problems = []
        for i, tool in enumerate(tools):
            kind = tool.get("type")
            if kind and kind != "custom":
                expected = TEXT_EDITOR_NAMES.get(kind)
                if expected is None:
                    problems.append(f"tools.{i}: unknown tool type {kind!r}")
                elif tool.get("name") != expected:
                    problems.append(f"tools.{i}: tool type {kind} must be named {expected!r}")
            elif not tool.get("name") or not isinstance(tool.get("input_schema"), dict):
                problems.append(f"tools.{i}: name and input_schema are required")
        return problems

    # ---- rendering ---------------------------------------------------------------------------
    def _wire_blocks(self, reply: Reply) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        thinking: list[dict[str, Any]] = []
        for block in reply.blocks:
            if block.kind == "thinking":
                wire = {"type": "thinking", "thinking": block.text, "signature": self.sign(block.text)}
                thinking.append(wire)
            elif block.kind == "redacted":
                data = base64.b64encode(block.text.encode()).decode()
                self.issued_redacted.add(data)
                wire = {"type": "redacted_thinking", "data": data}
                thinking.append(wire)
            elif block.kind == "text":
                wire = {"type": "text", "text": block.text}
            else:
                wire = {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
            out.append(wire)
        for block in reply.tool_uses:
            self.issued_thinking[block.id] = [dict(t) for t in thinking]
        return out

    def _cache_usage(self, body: dict[str, Any]) -> tuple[int, int, int]:
        """(uncached input, cache write, cache read) as the API bills them: the prefix (tools, system,
        messages) up to a `cache_control` breakpoint is written once and read by later requests that
        share it, looking back from the breakpoints for the longest prefix already cached."""
        segments: list[Any] = list(body.get("tools") or [])
        system = body.get("system")
        segments += system if isinstance(system, list) else ([{"type": "text", "text": system}] if system else [])
        for message in body.get("messages") or []:
            content = message.get("content")
            segments += content if isinstance(content, list) else [{"type": "text", "text": content}]
        digest = hashlib.sha256(str(body.get("model")).encode())
        sizes, keys, breakpoints, length = [], [], [], 0
        for i, seg in enumerate(segments):
            plain = {k: v for k, v in seg.items() if k != "cache_control"} if isinstance(seg, dict) else seg
            text = json.dumps(plain, sort_keys=True)
            digest.update(text.encode())
            length += len(text)
            sizes.append(length // 4)
            keys.append(digest.hexdigest())
            if isinstance(seg, dict) and seg.get("cache_control") and sizes[-1] >= self.min_cache_tokens:
                breakpoints.append(i)
        total = max(1, length // 4)
        if not breakpoints:
            return total, 0, 0
        last = breakpoints[-1]
        hit = max((i for i in range(last + 1) if keys[i] in self._cache), default=-1)
        read = sizes[hit] if hit >= 0 else 0
        write = sizes[last] - read if hit != last else 0
        self._cache.update(keys[i] for i in breakpoints)
        return total - read - write, write, read

    def _usage(self, reply: Reply, body: dict[str, Any]) -> dict[str, int]:
        given = reply.usage or {}
        uncached, write, read = self._cache_usage(body)
        output = sum(estimate(b.text or json.dumps(b.input)) for b in reply.blocks)
        return {
            "input_tokens": given.get("input_tokens", uncached),
            "output_tokens": given.get("output_tokens", output),
            "cache_creation_input_tokens": given.get("cache_write_tokens", write),
            "cache_read_input_tokens": given.get("cache_read_tokens", read),
        }

    def render_json(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": f"msg_{self.served}", "type": "message", "role": "assistant", "model": body.get("model"),
            "content": self._wire_blocks(reply), "stop_reason": reply.final_stop_reason(),
            "stop_sequence": None, "usage": self._usage(reply, body),
        }

    def render_events(self, reply: Reply, body: dict[str, Any]) -> list[str]:
        usage = self._usage(reply, body)
        start_usage = {**usage, "output_tokens": 1}
        events = [sse("message_start", {"type": "message_start", "message": {
            "id": f"msg_{self.served}", "type": "message", "role": "assistant", "model": body.get("model"),
            "content": [], "stop_reason": None, "stop_sequence": None, "usage": start_usage}}),
            sse("ping", {"type": "ping"})]
        for index, wire in enumerate(self._wire_blocks(reply)):
            events += self._block_events(index, wire)
        events.append(sse("message_delta", {"type": "message_delta", "delta": {
            "stop_reason": reply.final_stop_reason(), "stop_sequence": None},
            "usage": {"output_tokens": usage["output_tokens"]}}))
        events.append(sse("message_stop", {"type": "message_stop"}))
        return events

    @staticmethod
    def _block_events(index: int, wire: dict[str, Any]) -> list[str]:
        def delta(d: dict[str, Any]) -> str:
            return sse("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d})

        kind = wire["type"]
        if kind == "thinking":
            start = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [delta({"type": "thinking_delta", "thinking": p}) for p in _halves(wire["thinking"])]
            deltas.append(delta({"type": "signature_delta", "signature": wire["signature"]}))
        elif kind == "text":
            start = {"type": "text", "text": ""}
            deltas = [delta({"type": "text_delta", "text": p}) for p in _halves(wire["text"])]
        elif kind == "tool_use":
            start = {"type": "tool_use", "id": wire["id"], "name": wire["name"], "input": {}}
            deltas = [delta({"type": "input_json_delta", "partial_json": p})
                      for p in _halves(json.dumps(wire["input"]))]
        else:  # redacted thinking arrives whole in its start event
            start, deltas = wire, []
        return ([sse("content_block_start", {"type": "content_block_start", "index": index, "content_block": start})]
                + deltas + [sse("content_block_stop", {"type": "content_block_stop", "index": index})])


def _halves(text: str) -> list[str]:
    """Split text in two pieces so clients must join deltas."""
    if len(text) < 2:
        return [text]
    mid = len(text) // 2
    return [text[:mid], text[mid:]]


__all__ = ["AnthropicServer", "Block"]

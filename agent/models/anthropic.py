"""Anthropic Messages API over httpx: thinking (manual or adaptive), tools, caching, SSE streaming.

Thinking and redacted-thinking blocks are sent back exactly as received (the API rejects a modified one);
the stable prefix (tools + system prompt) and the conversation so far carry `cache_control` so a tool loop
re-reads its history from cache. Anthropic counts thinking inside `output_tokens`, so the thinking spend is
estimated and flagged.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from agent.models.budget import ThinkingControl
from agent.models.http import HttpModel, Parsed, Prepared, Retry, estimate_tokens, messages_text
from agent.models.types import (
    ContentBlock,
    Message,
    ModelRequest,
    OpaqueBlock,
    RedactedThinkingBlock,
    TextBlock,
    ThinkingBlock,
    ToolResultBlock,
    ToolUseBlock,
    Usage,
)

API_VERSION = "2023-06-01"
INTERLEAVED_BETA = "interleaved-thinking-2025-05-14"
DEFAULT_BASE_URL = "https://api.anthropic.com"
EPHEMERAL = {"type": "ephemeral"}


def block_to_wire(block: ContentBlock) -> dict[str, Any] | None:
    """One typed block in the Messages format; None for blocks another provider produced."""
    if isinstance(block, TextBlock):
        return {"type": "text", "text": block.text} if block.text else None
    if isinstance(block, ThinkingBlock):
        if not block.signature:  # reasoning text from a non-Anthropic model: cannot be sent back
            return None
        return {"type": "thinking", "thinking": block.thinking, "signature": block.signature}
    if isinstance(block, RedactedThinkingBlock):
        return {"type": "redacted_thinking", "data": block.data}
    if isinstance(block, ToolUseBlock):
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    if isinstance(block, ToolResultBlock):
        out: dict[str, Any] = {"type": "tool_result", "tool_use_id": block.tool_use_id, "content": block.content}
        if block.is_error:
            out["is_error"] = True
        return out
    if isinstance(block, OpaqueBlock) and block.provider == "anthropic":
        return dict(block.data)
    return None


def block_from_wire(raw: dict[str, Any]) -> ContentBlock:
    kind = raw.get("type")
    if kind == "text":
        return TextBlock(raw.get("text", ""))
    if kind == "thinking":
        return ThinkingBlock(raw.get("thinking", ""), raw.get("signature", ""))
    if kind == "redacted_thinking":
        return RedactedThinkingBlock(raw["data"])
    if kind == "tool_use":
        return ToolUseBlock(raw["id"], raw["name"], raw.get("input") or {})
    return OpaqueBlock("anthropic", raw)


def messages_to_wire(messages: list[Message], cache: bool) -> list[dict[str, Any]]:
    out = []
    for message in messages:
        content = [w for w in (block_to_wire(b) for b in message.content) if w is not None]
        out.append({"role": message.role, "content": content})
    if cache:  # incremental caching: the conversation so far is the next call's prefix
        for message in reversed(out):
            if message["role"] == "user" and message["content"]:
                last = message["content"][-1]
                if last.get("type") in ("text", "tool_result"):
                    message["content"][-1] = {**last, "cache_control": EPHEMERAL}
                break
    return out


def usage_from_wire(raw: dict[str, Any]) -> Usage:
    return Usage(
        input_tokens=int(raw.get("input_tokens") or 0),
        output_tokens=int(raw.get("output_tokens") or 0),
        cache_write_tokens=int(raw.get("cache_creation_input_tokens") or 0),
        cache_read_tokens=int(raw.get("cache_read_input_tokens") or 0),
    )


def with_thinking_estimate(usage: Usage, content: list[ContentBlock]) -> Usage:
    """Thinking is billed inside output_tokens: estimate it from what came back, flagged as an estimate.

    Claude 4 returns summarised thinking but bills the full amount, so the estimate is the larger of the
    thinking text's size and what output_tokens leaves after the visible text and tool calls.
    """
    thinking = [b for b in content if isinstance(b, (ThinkingBlock, RedactedThinkingBlock))]
    if not thinking:
        return usage
    from_text = sum(estimate_tokens(b.thinking if isinstance(b, ThinkingBlock) else b.data) for b in thinking)
    visible = sum(
        estimate_tokens(b.text) if isinstance(b, TextBlock) else estimate_tokens(json.dumps(b.input))
        for b in content if isinstance(b, (TextBlock, ToolUseBlock))
    )
    remainder = max(0, usage.output_tokens - visible)
    usage.thinking_tokens = min(usage.output_tokens, max(from_text, remainder)) if usage.output_tokens else from_text
    usage.thinking_estimated = True
    return usage


class _AnthropicStream:
    """Accumulates one SSE stream into blocks; knows whether it finished and what it billed so far."""

    def __init__(self, model: "AnthropicModel", prepared: Prepared, on_text: Callable[[str], None] | None):
        self.model, self.prepared, self.on_text = model, prepared, on_text
        self.blocks: dict[int, dict[str, Any]] = {}
        self.json_parts: dict[int, list[str]] = {}
        self.usage: Usage | None = None
        self.stop_reason: str | None = None
        self.stopped = False

    def feed(self, event: str, data: str) -> None:
        payload = json.loads(data)
        kind = payload.get("type", event)
        if kind == "message_start":
            self.usage = usage_from_wire(payload["message"].get("usage") or {})
        elif kind == "content_block_start":
            self.blocks[payload["index"]] = dict(payload["content_block"])
        elif kind == "content_block_delta":
            self._delta(payload["index"], payload["delta"])
        elif kind == "message_delta":
            self.stop_reason = (payload.get("delta") or {}).get("stop_reason") or self.stop_reason
            final = usage_from_wire(payload.get("usage") or {})
            if self.usage is None:
                self.usage = Usage()
            self.usage.output_tokens = final.output_tokens or self.usage.output_tokens
            for name in ("input_tokens", "cache_write_tokens", "cache_read_tokens"):
                if getattr(final, name):
                    setattr(self.usage, name, getattr(final, name))
        elif kind == "message_stop":
            self.stopped = True
        elif kind == "error":
            err = payload.get("error") or {}
            if err.get("type") in ("overloaded_error", "api_error", "rate_limit_error", "timeout_error", None):
                raise Retry(f"stream error {err.get('type')}: {err.get('message')}")
            raise self.model.error(400, f"{err.get('type')}: {err.get('message')}")

    def _delta(self, index: int, delta: dict[str, Any]) -> None:
        block = self.blocks.setdefault(index, {"type": "text", "text": ""})
        kind = delta.get("type")
        if kind == "text_delta":
            block["text"] = block.get("text", "") + delta["text"]
            if self.on_text is not None:
                self.on_text(delta["text"])
        elif kind == "thinking_delta":
            block["thinking"] = block.get("thinking", "") + delta["thinking"]
        elif kind == "signature_delta":
            block["signature"] = block.get("signature", "") + delta["signature"]
        elif kind == "input_json_delta":
            self.json_parts.setdefault(index, []).append(delta.get("partial_json", ""))

    def finish(self) -> Parsed:
        if not self.stopped or self.usage is None or self.stop_reason is None:
            raise Retry("stream ended before message_stop")
        content = []
        for index in sorted(self.blocks):
            raw = self.blocks[index]
            if index in self.json_parts:
                text = "".join(self.json_parts[index])
                raw["input"] = json.loads(text) if text.strip() else {}
            content.append(block_from_wire(raw))
        return Parsed(content, self.stop_reason, with_thinking_estimate(self.usage, content))

    def billed_if_cut(self) -> Usage | None:
        if self.usage is None:  # nothing started: the request was not billed
            return None
        return self.model.worst_case(self.prepared, self.usage.input_tokens) + Usage(
            cache_write_tokens=self.usage.cache_write_tokens, cache_read_tokens=self.usage.cache_read_tokens)


class AnthropicModel(HttpModel):
    provider = "anthropic"
    key_env = "ANTHROPIC_API_KEY"

    def build(self, request: ModelRequest, control: ThinkingControl) -> Prepared:
        caps = self.capabilities
        payload: dict[str, Any] = {"model": caps.model, "max_tokens": control.max_tokens}
        if request.system:
            system: dict[str, Any] = {"type": "text", "text": request.system}
            if request.cache_prefix:
                system["cache_control"] = EPHEMERAL
            payload["system"] = [system]
        payload["messages"] = messages_to_wire(request.messages, request.cache_prefix)
        if request.tools:
            tools = []
            for schema in request.tools:
                native = schema.anthropic_type is not None and schema.anthropic_type == caps.native_text_editor
                tools.append(schema.to_anthropic(native=native))
            if request.cache_prefix and not request.system:
                tools[-1] = {**tools[-1], "cache_control": EPHEMERAL}
            payload["tools"] = tools
        headers = {"x-api-key": self._api_key or "", "anthropic-version": API_VERSION,
                   "content-type": "application/json"}
        if control.kind == "budget_tokens":
            payload["thinking"] = {"type": "enabled", "budget_tokens": control.budget_tokens}
            if caps.interleaved_thinking and request.tools:
                headers["anthropic-beta"] = INTERLEAVED_BETA
        elif control.kind == "effort" and caps.reasoning == "adaptive":
            payload["thinking"] = {"type": "adaptive"}
            payload["output_config"] = {"effort": control.effort}
        if request.stream:
            payload["stream"] = True
        return Prepared(f"{self.base_url}/v1/messages", payload, headers, control,
                        input_estimate=estimate_tokens(messages_text(request.messages, request.system)))

    def parse_body(self, body: Any, prepared: Prepared) -> Parsed:
        if body.get("type") == "error":
            raise ValueError(f"error body with status 200: {body.get('error')}")
        content = [block_from_wire(raw) for raw in body["content"]]
        usage = with_thinking_estimate(usage_from_wire(body["usage"]), content)
        return Parsed(content, body.get("stop_reason") or "end_turn", usage)

    def new_stream(self, prepared: Prepared, on_text: Callable[[str], None] | None) -> _AnthropicStream:
        return _AnthropicStream(self, prepared, on_text)

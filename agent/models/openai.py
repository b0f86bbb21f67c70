"""OpenAI Chat Completions over httpx, for OpenAI itself and for OpenAI-compatible servers.

Chat Completions is used for both because every compatible server (Ollama, vLLM, llama.cpp, LM Studio)
speaks it; `reasoning_effort` carries the budget and `max_completion_tokens` (which includes reasoning) is
always set. Usage is normalised to dial's shape: `input_tokens` excludes cached prompt tokens, which are
counted as cache reads; `reasoning_tokens` is the exact thinking count.
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
    TextBlock,
    ThinkingBlock,
    ToolResultBlock,
    ToolUseBlock,
    Usage,
)

DEFAULT_BASE_URL = "https://api.openai.com/v1"
FINISH_REASONS = {"stop": "end_turn", "tool_calls": "tool_use", "function_call": "tool_use",
                  "length": "max_tokens", "content_filter": "refusal"}


def messages_to_wire(system: str, messages: list[Message]) -> list[dict[str, Any]]:
    """Typed messages -> Chat Completions messages; tool results become `tool` messages in order."""
    out: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    for message in messages:
        text = "".join(b.text for b in message.content if isinstance(b, TextBlock))
        if message.role == "assistant":
            item: dict[str, Any] = {"role": "assistant", "content": text or None}
            calls = [
                {"id": b.id, "type": "function", "function": {"name": b.name, "arguments": json.dumps(b.input)}}
                for b in message.content if isinstance(b, ToolUseBlock)
            ]
            if calls:
                item["tool_calls"] = calls
            out.append(item)
            continue
        for block in message.content:
            if isinstance(block, ToolResultBlock):
                content = ("ERROR: " + block.content) if block.is_error else block.content
                out.append({"role": "tool", "tool_call_id": block.tool_use_id, "content": content})
        if text:
            out.append({"role": "user", "content": text})
    return out


def usage_from_wire(raw: dict[str, Any]) -> Usage:
    prompt = int(raw.get("prompt_tokens") or 0)
    cached = int((raw.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
    reasoning = int((raw.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0)
    return Usage(input_tokens=prompt - cached, output_tokens=int(raw.get("completion_tokens") or 0),
                 cache_read_tokens=cached, thinking_tokens=reasoning)


def _arguments(text: str) -> dict[str, Any]:
    """Tool arguments as a dict; unparsable JSON is kept so the loop can tell the model what went wrong."""
    try:
        value = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError:
        return {"_unparsed_arguments": text}
    return value if isinstance(value, dict) else {"_unparsed_arguments": text}


def _content(reasoning: str, text: str, calls: list[tuple[str, str, str]]) -> list[ContentBlock]:
    blocks: list[ContentBlock] = []
    if reasoning:  # shown by some compatible servers; informational, never sent back
        blocks.append(ThinkingBlock(reasoning))
    if text:
        blocks.append(TextBlock(text))
    blocks.extend(ToolUseBlock(cid, name, _arguments(args)) for cid, name, args in calls)
    return blocks


class _OpenAIStream:
    def __init__(self, model: "OpenAIModel", prepared: Prepared, on_text: Callable[[str], None] | None):
        self.model, self.prepared, self.on_text = model, prepared, on_text
        self.text: list[str] = []
        self.reasoning: list[str] = []
        self.calls: dict[int, list[str]] = {}  # index -> [id, name, arguments]
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.done = False

    def feed(self, event: str, data: str) -> None:
        if data.strip() == "[DONE]":
            self.done = True
            return
        chunk = json.loads(data)
        if chunk.get("error"):
            raise Retry(f"stream error: {chunk['error']}")
        if chunk.get("usage"):
            self.usage = usage_from_wire(chunk["usage"])
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if delta.get("content"):
                self.text.append(delta["content"])
                if self.on_text is not None:
                    self.on_text(delta["content"])
            if delta.get("reasoning_content"):
                self.reasoning.append(delta["reasoning_content"])
            for call in delta.get("tool_calls") or []:
                slot = self.calls.setdefault(int(call.get("index", 0)), ["", "", ""])
                slot[0] = call.get("id") or slot[0]
                function = call.get("function") or {}
                if not slot[1]:
                    slot[1] = function.get("name") or ""
                slot[2] += function.get("arguments") or ""
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]

    def finish(self) -> Parsed:
        if self.finish_reason is None or not self.done:
            raise Retry("stream ended before its finish")
        content = _content("".join(self.reasoning), "".join(self.text),
                           [tuple(self.calls[i]) for i in sorted(self.calls)])  # type: ignore[misc]
        usage = self.usage or self.model.estimated_usage(self.prepared, content)
        return Parsed(content, FINISH_REASONS.get(self.finish_reason, self.finish_reason), usage)

    def billed_if_cut(self) -> Usage | None:
        if self.usage is not None:
            return self.usage
        return self.model.worst_case(self.prepared)


class OpenAIModel(HttpModel):
    provider = "openai"
    key_env = "OPENAI_API_KEY"

    def build(self, request: ModelRequest, control: ThinkingControl) -> Prepared:
        payload: dict[str, Any] = {
            "model": self.capabilities.model,
            "messages": messages_to_wire(request.system, request.messages),
            "max_completion_tokens": control.max_tokens,
        }
        if request.tools:
            payload["tools"] = [schema.to_openai() for schema in request.tools]
        if control.kind == "effort":
            payload["reasoning_effort"] = control.effort
        if request.stream:
            payload["stream"] = True
            payload["stream_options"] = {"include_usage": True}
        headers = {"content-type": "application/json"}
        if self._api_key:
            headers["authorization"] = f"Bearer {self._api_key}"
        return Prepared(f"{self.base_url}/chat/completions", payload, headers, control,
                        input_estimate=estimate_tokens(messages_text(request.messages, request.system)))

    def estimated_usage(self, prepared: Prepared, content: list[ContentBlock]) -> Usage:
        """Some compatible servers send no usage: estimate from the text (never worse than nothing)."""
        out = sum(estimate_tokens(getattr(b, "text", "") or getattr(b, "thinking", "") or json.dumps(
            getattr(b, "input", {}))) for b in content)
        return Usage(input_tokens=prepared.input_estimate, output_tokens=out)

    def parse_body(self, body: Any, prepared: Prepared) -> Parsed:
        choice = body["choices"][0]
        message = choice.get("message") or {}
        calls = [(c["id"], c["function"]["name"], c["function"].get("arguments") or "")
                 for c in message.get("tool_calls") or []]
        content = _content(message.get("reasoning_content") or "", message.get("content") or "", calls)
        usage = usage_from_wire(body["usage"]) if body.get("usage") else self.estimated_usage(prepared, content)
        reason = choice.get("finish_reason") or "stop"
        return Parsed(content, FINISH_REASONS.get(reason, reason), usage)

    def new_stream(self, prepared: Prepared, on_text: Callable[[str], None] | None) -> _OpenAIStream:
        return _OpenAIStream(self, prepared, on_text)


class OpenAICompatibleModel(OpenAIModel):
    """Same wire format at any base_url; the key is optional and `max_tokens` is sent too for older servers."""

    provider = "openai-compatible"
    key_env = "DIAL_OPENAI_COMPATIBLE_API_KEY"

    def build(self, request: ModelRequest, control: ThinkingControl) -> Prepared:
        prepared = super().build(request, control)
        prepared.payload["max_tokens"] = control.max_tokens
        return prepared

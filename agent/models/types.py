"""Typed conversation and usage objects shared by every provider and by the loop.

Messages are typed content blocks, not loose dicts, so a provider can translate them exactly and a
thinking block can be echoed back byte for byte (Anthropic rejects a modified one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Protocol, Sequence, Union

from tools.schema import ToolSchema


@dataclass(frozen=True)
class TextBlock:
    text: str
    type: Literal["text"] = "text"


@dataclass(frozen=True)
class ThinkingBlock:
    """Reasoning text with the provider's signature; must be sent back unmodified."""

    thinking: str
    signature: str = ""
    type: Literal["thinking"] = "thinking"


@dataclass(frozen=True)
class RedactedThinkingBlock:
    data: str
    type: Literal["redacted_thinking"] = "redacted_thinking"


@dataclass(frozen=True)
class ToolUseBlock:
    id: str
    name: str
    input: dict[str, Any]
    type: Literal["tool_use"] = "tool_use"


@dataclass(frozen=True)
class ToolResultBlock:
    tool_use_id: str
    content: str
    is_error: bool = False
    type: Literal["tool_result"] = "tool_result"


@dataclass(frozen=True)
class OpaqueBlock:
    """Provider state that must round-trip but means nothing to dial (e.g. OpenAI reasoning items)."""

    provider: str
    data: dict[str, Any]
    type: Literal["opaque"] = "opaque"


ContentBlock = Union[TextBlock, ThinkingBlock, RedactedThinkingBlock, ToolUseBlock, ToolResultBlock, OpaqueBlock]


@dataclass
class Message:
    role: Literal["user", "assistant"]
    content: list[ContentBlock]

    @classmethod
    def user(cls, text: str) -> "Message":
        return cls("user", [TextBlock(text)])

    def text(self) -> str:
        return "".join(b.text for b in self.content if isinstance(b, TextBlock))

    def tool_uses(self) -> list[ToolUseBlock]:
        return [b for b in self.content if isinstance(b, ToolUseBlock)]


@dataclass
class Usage:
    """Tokens as the provider billed them. `thinking_tokens` is estimated where the provider has no count."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    thinking_tokens: int = 0
    thinking_estimated: bool = False
    incomplete: bool = False  # a stream cut before its final usage: counted at its worst case

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.thinking_tokens + other.thinking_tokens,
            self.thinking_estimated or other.thinking_estimated,
            self.incomplete or other.incomplete,
        )

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_write_tokens + self.cache_read_tokens

    def as_dict(self) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "thinking_tokens": self.thinking_tokens,
            "thinking_estimated": self.thinking_estimated,
        }


@dataclass
class ModelRequest:
    """One call. `thinking_budget` is in tokens (0 = no reasoning); `max_tokens` is the hard output cap."""

    system: str
    messages: list[Message]
    tools: Sequence[ToolSchema] = ()
    thinking_budget: int = 0
    max_tokens: int = 4096
    cache_prefix: bool = True  # mark the stable prefix (system prompt + tools) for prompt caching
    stream: bool = True
    on_text: Callable[[str], None] | None = field(default=None, compare=False)
    # called before each retry with (reason, seconds to wait): text already sent to on_text will be sent again
    on_retry: Callable[[str, float], None] | None = field(default=None, compare=False)


@dataclass
class ModelResponse:
    content: list[ContentBlock]
    stop_reason: str
    usage: Usage
    model: str
    attempts_usage: list[Usage] = field(default_factory=list)  # every billed attempt, retries included

    def message(self) -> Message:
        return Message("assistant", list(self.content))


class Model(Protocol):
    """What the loop needs of a model: one call in, typed blocks and exact usage out."""

    name: str  # "provider:model"

    def complete(self, request: ModelRequest) -> ModelResponse: ...

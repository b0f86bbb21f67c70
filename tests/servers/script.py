"""What a scripted loopback model server says: replies and faults, independent of the wire format.

A script is a list served in order, one item per request. An item is a `Reply`, a `Fault`, or a callable
that receives the parsed request body and returns either (so a test can answer from the conversation).

    reply_text("done")                                   # plain answer
    reply_tool_use("view", {"path": "a.py"}, thinking="I should look at a.py")
    overloaded()                                         # HTTP 529, then the next item is served
    rate_limited(retry_after=2)                          # HTTP 429 with retry-after: 2
    cut_stream(reply_text("long answer"), after_events=4)  # stream stops mid-message
    malformed_json()                                     # 200 with a body that is not JSON
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Union

_ids = itertools.count(1)


@dataclass
class Block:
    """One reply block: kind is 'thinking', 'redacted', 'text' or 'tool_use'."""

    kind: str
    text: str = ""  # thinking text, redacted data, or answer text
    name: str = ""  # tool name
    input: dict[str, Any] = field(default_factory=dict)
    id: str = ""


@dataclass
class Reply:
    blocks: list[Block]
    usage: dict[str, int] | None = None  # input_tokens, output_tokens, cache_write_tokens, cache_read_tokens,
    #                                        reasoning_tokens; computed from the text when absent
    stop_reason: str | None = None  # 'end_turn' / 'tool_use' / 'max_tokens'; derived when absent

    @property
    def tool_uses(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "tool_use"]

    def final_stop_reason(self) -> str:
        return self.stop_reason or ("tool_use" if self.tool_uses else "end_turn")


@dataclass
class Fault:
    """A failure to inject. kind: status | cut | malformed | drop | stream_error | stall."""

    kind: str
    status: int = 500
    retry_after: float | None = None
    body: str | None = None
    reply: Reply | None = None  # what a cut stream was in the middle of saying
    after_events: int = 3
    error_type: str = "overloaded_error"
    seconds: float = 0.0  # how long a stall lasts before the connection is dropped


ScriptItem = Union[Reply, Fault, Callable[[dict[str, Any]], Union[Reply, Fault]]]


def _thinking_blocks(thinking: str | None, redacted: str | None) -> list[Block]:
    blocks = [Block("thinking", thinking)] if thinking else []
    if redacted:
        blocks.append(Block("redacted", redacted))
    return blocks


def reply_text(text: str, *, thinking: str | None = None, redacted: str | None = None,
               usage: dict[str, int] | None = None, stop_reason: str | None = None) -> Reply:
    """A final answer, optionally after (redacted) thinking."""
    return Reply(_thinking_blocks(thinking, redacted) + [Block("text", text)], usage, stop_reason)


def reply_tool_use(name: str, input: dict[str, Any], *, thinking: str | None = None, text: str | None = None,
                   redacted: str | None = None, id: str | None = None,
                   usage: dict[str, int] | None = None) -> Reply:
    """One tool call, optionally after thinking and a line of text."""
    blocks = _thinking_blocks(thinking, redacted)
    if text:
        blocks.append(Block("text", text))
    blocks.append(Block("tool_use", name=name, input=dict(input), id=id or f"tool_{next(_ids)}"))
    return Reply(blocks, usage)


def reply_tool_uses(calls: list[tuple[str, dict[str, Any]]], *, thinking: str | None = None,
                    usage: dict[str, int] | None = None) -> Reply:
    """Several tool calls in one turn (parallel tool use)."""
    blocks = _thinking_blocks(thinking, None)
    blocks += [Block("tool_use", name=n, input=dict(i), id=f"tool_{next(_ids)}") for n, i in calls]
    return Reply(blocks, usage)


def status_error(status: int, body: str | None = None, retry_after: float | None = None) -> Fault:
    return Fault("status", status=status, body=body, retry_after=retry_after)


def overloaded() -> Fault:
    return Fault("status", status=529)


def rate_limited(retry_after: float = 1.0) -> Fault:
    return Fault("status", status=429, retry_after=retry_after)


def server_error(status: int = 500) -> Fault:
    return Fault("status", status=status)


def cut_stream(reply: Reply, after_events: int = 3) -> Fault:
    """Stream `reply` but drop the connection after `after_events` events (non-streaming: drop)."""
    return Fault("cut", reply=reply, after_events=after_events)


def stream_error(reply: Reply, after_events: int = 3, error_type: str = "overloaded_error") -> Fault:
    """An error event inside an otherwise healthy stream (Anthropic sends overloaded_error so)."""
    return Fault("stream_error", reply=reply, after_events=after_events, error_type=error_type)


def malformed_json() -> Fault:
    return Fault("malformed")


def stall(seconds: float) -> Fault:
    """Say nothing for `seconds`, then drop the connection (exercises the client's read timeout)."""
    return Fault("stall", seconds=seconds)


def drop_connection() -> Fault:
    """Close the connection without any response."""
    return Fault("drop")

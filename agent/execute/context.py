"""Keep the conversation inside the model's context window by trimming old tool output, oldest first.

The system prompt and tool schemas (the cached prefix) are never touched: losing the prompt cache multiplies
cost. Tool results in the newest user message are kept whole (the model is about to read them), and assistant
messages are never modified (thinking blocks must be echoed back byte for byte).
"""

from __future__ import annotations

from agent.execute.ledger import message_tokens, prefix_tokens
from agent.models.types import Message, ToolResultBlock

TRIMMED = "[older tool output removed to keep the conversation inside the context window]"


def conversation_tokens(system: str, tools: object, messages: list[Message]) -> int:
    return prefix_tokens(system, tools) + sum(message_tokens(m) for m in messages)


def trim_to_fit(system: str, tools: object, messages: list[Message], limit: int) -> int:
    """Replace the oldest tool outputs with a marker until the request fits `limit` tokens.

    Returns how many tool outputs were trimmed. Messages are changed in place (their blocks replaced).
    """
    used = conversation_tokens(system, tools, messages)
    trimmed = 0
    for msg in messages[:-1]:
        if used <= limit:
            break
        if msg.role != "user":
            continue
        for i, block in enumerate(msg.content):
            if used <= limit:
                break
            if isinstance(block, ToolResultBlock) and block.content != TRIMMED:
                before = message_tokens(msg)
                msg.content[i] = ToolResultBlock(block.tool_use_id, TRIMMED, block.is_error)
                used -= before - message_tokens(msg)
                trimmed += 1
    return trimmed

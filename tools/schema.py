"""One schema per tool, rendered to each provider's wire format.

Execution lives in the tool classes; the schema is pure data so providers can render it without
knowing anything about what the tool does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ToolSchema:
    name: str
    description: str
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    # Anthropic server-defined tool type (e.g. "text_editor_20250728"); Claude models are trained on it,
    # so a provider that supports it declares the tool by type instead of by JSON schema.
    anthropic_type: str | None = None

    def to_anthropic(self, native: bool = True) -> dict[str, Any]:
        if native and self.anthropic_type:
            return {"type": self.anthropic_type, "name": self.name}
        return {"name": self.name, "description": self.description, "input_schema": self.parameters}

    def to_openai(self) -> dict[str, Any]:
        """Chat Completions function-tool format."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


@dataclass(frozen=True)
class ToolOutput:
    """What a tool returns to the model: short text; `is_error` marks a mistake the model can act on."""

    text: str
    is_error: bool = False


class Tool(Protocol):
    schema: ToolSchema

    def execute(self, args: dict[str, Any]) -> ToolOutput: ...

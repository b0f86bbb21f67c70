"""Shared helpers for the provider tests: models pointed at the loopback servers, with no real sleeping."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from agent.config import DialConfig
from agent.models import make_model
from agent.models.types import Model
from tools.schema import ToolSchema

TEST_KEY = "sk-test-0123456789abcdefDIALKEY"

VIEW_TOOL = ToolSchema(
    "view", "Show a file", {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}
)
EDITOR_TOOL = ToolSchema(
    "str_replace_based_edit_tool", "Edit files",
    {"type": "object", "properties": {"command": {"type": "string"}, "path": {"type": "string"}}},
    anthropic_type="text_editor_20250728",
)


class Sleeps:
    """Records the backoff delays instead of sleeping them."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def connect(sleeps: Sleeps) -> Callable[..., Model]:
    """connect(name, server, config=None, **kw) -> a model talking to `server` with TEST_KEY."""

    def build(name: str, server: Any, config: DialConfig | None = None, key: str | None = TEST_KEY,
              **kwargs: Any) -> Model:
        env = {"ANTHROPIC_BASE_URL": server.base_url, "OPENAI_BASE_URL": server.base_url}
        if key:
            env["ANTHROPIC_API_KEY"] = key
            env["OPENAI_API_KEY"] = key
        return make_model(name, config or DialConfig(), env=env, sleep=sleeps, **kwargs)

    return build

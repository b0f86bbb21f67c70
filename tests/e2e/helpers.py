"""Shared pieces of the end-to-end tests: a loopback model factory and reading a run's files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from agent.models import make_model
from agent.models.types import ModelRequest, ModelResponse

MODEL = "anthropic:claude-sonnet-4-5"


def loopback_factory(base_url: str) -> Callable[..., Any]:
    """The model factory the loop is handed: the real Anthropic provider, pointed at the loopback server."""
    env = {"ANTHROPIC_API_KEY": "loopback-no-key", "ANTHROPIC_BASE_URL": base_url}

    def factory(name: str, config: Any, *, recorder: Any = None) -> Any:
        return make_model(name, config, recorder=recorder, env=env)

    return factory


class InterruptAfter:
    """Wraps a model and raises KeyboardInterrupt (as Ctrl-C would) on call number `n`."""

    def __init__(self, model: Any, n: int) -> None:
        self.model, self.n, self.calls = model, n, 0
        self.name = model.name

    def complete(self, request: ModelRequest) -> ModelResponse:
        self.calls += 1
        if self.calls == self.n:
            raise KeyboardInterrupt
        return self.model.complete(request)


def model_calls(run_dir: Path) -> list[dict[str, Any]]:
    lines = (run_dir / "trajectory.jsonl").read_text().splitlines()
    return [c for c in (json.loads(x) for x in lines if x) if c.get("kind") == "model_call"]


def recorded_usage(run_dir: Path) -> dict[str, int]:
    """Sum of the usage the server sent, read back from the recorded SSE events."""
    total = {"input_tokens": 0, "output_tokens": 0, "cache_write_tokens": 0, "cache_read_tokens": 0}
    for call in model_calls(run_dir):
        for event in call["response"]:
            data = json.loads(event["data"]) if isinstance(event["data"], str) else event["data"]
            if event["event"] == "message_start":
                u = data["message"]["usage"]
                total["input_tokens"] += u["input_tokens"]
                total["cache_write_tokens"] += u.get("cache_creation_input_tokens", 0)
                total["cache_read_tokens"] += u.get("cache_read_input_tokens", 0)
            elif event["event"] == "message_delta":
                total["output_tokens"] += data["usage"]["output_tokens"]
    return total


def thinking_budgets(server: Any) -> list[int]:
    """The thinking budget of every request the server received (0 = thinking off)."""
    out = []
    for req in server.requests:
        thinking = req.body.get("thinking") or {}
        out.append(thinking.get("budget_tokens", 0) if thinking.get("type") == "enabled" else 0)
    return out

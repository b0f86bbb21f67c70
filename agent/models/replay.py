"""Replay: play a recorded run's model calls back in order, without a network or a key.

Each `complete()` consumes one recorded call (its attempts up to the successful one), checks that the
conversation has the recorded shape (message count and roles), and returns what was recorded, with the
usage of every billed attempt as it was counted live. Running out of recording fails loudly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agent.models.anthropic import AnthropicModel
from agent.models.budget import translate_budget
from agent.models.capabilities import ModelCapabilities, get_capabilities
from agent.models.errors import ReplayError
from agent.models.http import HttpModel, Parsed, Prepared, Retry, estimate_tokens, messages_text
from agent.models.openai import OpenAICompatibleModel, OpenAIModel
from agent.models.record import Recorder, read_calls
from agent.models.types import ModelRequest, ModelResponse, Usage

_PARSERS: dict[str, type[HttpModel]] = {
    "anthropic": AnthropicModel,
    "openai": OpenAIModel,
    "openai-compatible": OpenAICompatibleModel,
}


def _group(calls: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    groups: list[list[dict[str, Any]]] = []
    for call in calls:
        if call.get("attempt", 1) == 1 or not groups:
            groups.append([])
        groups[-1].append(call)
    return groups


class ReplayModel:
    """A Model that answers from a trajectory file written in record mode."""

    def __init__(self, path: Path, overrides: dict[str, Any] | None = None,
                 recorder: Recorder | None = None) -> None:
        self.path = Path(path)
        # the replayed calls are written to the new run's trajectory too, so a replayed run replays again
        same = recorder is not None and recorder.path.resolve() == self.path.resolve()
        self.recorder = None if same else recorder
        if not self.path.is_file():
            raise ReplayError(f"no recording at {self.path}", "pass the trajectory.jsonl of a recorded run")
        try:
            calls = read_calls(self.path)
        except ValueError as exc:
            raise ReplayError(f"cannot replay {self.path}: {exc}", "pass an unmodified trajectory.jsonl") from exc
        if not calls:
            raise ReplayError(f"{self.path} holds no recorded model calls",
                              "record a run first (providers.<name>.record = true)")
        self._groups = _group(calls)
        self._next = 0
        self.recorded_model = str(calls[0].get("model") or f"{calls[0]['provider']}:unknown")
        self.capabilities: ModelCapabilities = get_capabilities(self.recorded_model, overrides)
        self.name = f"replay:{self.path}"
        provider = calls[0]["provider"]
        cls = _PARSERS.get(provider)
        if cls is None:
            raise ReplayError(f"{self.path} was recorded from unknown provider '{provider}'", "re-record the run")
        # The real provider class parses; it never opens a connection (base_url is a placeholder).
        self._parser = cls(self.capabilities, base_url="http://replay.invalid", api_key=None)

    @property
    def remaining(self) -> int:
        return len(self._groups) - self._next

    def complete(self, request: ModelRequest) -> ModelResponse:
        if self._next >= len(self._groups):
            raise ReplayError(
                f"the recording {self.path} ran out after {len(self._groups)} model calls",
                "the replayed run asked for more calls than were recorded: the code or config changed since",
            )
        group = self._groups[self._next]
        self._next += 1
        shape = [m.role for m in request.messages]
        recorded = group[-1].get("shape")
        if recorded is not None and recorded != shape:
            raise ReplayError(
                f"replayed call {self._next} sends {len(shape)} messages {shape}, the recording had "
                f"{len(recorded)} {recorded}",
                "the run diverged from the recording; re-record it",
            )
        control = translate_budget(self.capabilities, request.thinking_budget, request.max_tokens)
        prepared = Prepared("", group[-1].get("request") or {}, {}, control,
                            input_estimate=estimate_tokens(messages_text(request.messages, request.system)))
        billed: list[Usage] = []
        for item in group:
            if self.recorder is not None:
                fields = {k: v for k, v in item.items()
                          if k not in ("kind", "provider", "request", "response", "status", "headers")}
                self.recorder.record(item["provider"], item.get("request"), item.get("response"),
                                     item.get("status"), item.get("headers"), **fields)
            status = item.get("status")
            try:
                parsed = self._parse(item, prepared, request)
            except Retry as failure:
                if failure.billed is not None:
                    billed.append(failure.billed)
                continue
            if status == 200 and parsed is not None:
                billed.append(parsed.usage)
                return ModelResponse(parsed.content, parsed.stop_reason, sum(billed, Usage()), self.name,
                                     attempts_usage=billed)
        raise ReplayError(f"recorded call {self._next} in {self.path} never succeeded",
                          "the live run failed at this point too; see its report")

    def _parse(self, item: dict[str, Any], prepared: Prepared, request: ModelRequest) -> Parsed | None:
        response = item.get("response")
        if item.get("status") != 200:
            return None
        if isinstance(response, list):  # a stream: feed the recorded events back through the parser
            state = self._parser.new_stream(prepared, request.on_text)
            try:
                for event in response:
                    state.feed(event["event"], event["data"])
                return state.finish()
            except Retry as failure:
                if failure.billed is None:
                    failure.billed = state.billed_if_cut()
                raise
            except (ValueError, KeyError, TypeError) as exc:
                raise Retry(f"malformed: {exc}", state.billed_if_cut() or self._parser.worst_case(prepared)) from exc
        try:
            body = json.loads(response) if isinstance(response, str) else response
            return self._parser.parse_body(body, prepared)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise Retry(f"malformed: {exc}", self._parser.worst_case(prepared)) from exc


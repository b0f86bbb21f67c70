"""Record mode writes every attempt without keys; replay plays a run back and fails loudly when it diverges."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.config import DialConfig
from agent.models import Recorder, ReplayError, make_model
from agent.models.types import Message, ModelRequest, ToolResultBlock
from tests.models.conftest import TEST_KEY, VIEW_TOOL
from tests.servers import AnthropicServer, OpenAIServer, cut_stream, overloaded, reply_text, reply_tool_use

PLAIN_KEY = "plainkey_NOT_LOOKING_LIKE_ONE_42"


def run_loop(model: Any, stream: bool) -> list[Any]:
    messages = [Message.user("fix it")]
    first = model.complete(ModelRequest("sys", messages, [VIEW_TOOL], thinking_budget=3000, stream=stream))
    messages += [first.message(), Message("user", [ToolResultBlock(first.message().tool_uses()[0].id, "x=1")])]
    second = model.complete(ModelRequest("sys", messages, [VIEW_TOOL], thinking_budget=3000, stream=stream))
    return [first, second]


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("server_cls,name,key", [(AnthropicServer, "anthropic:claude-sonnet-4-5", TEST_KEY),
                                                 (AnthropicServer, "anthropic:claude-sonnet-4-5", PLAIN_KEY),
                                                 (OpenAIServer, "openai:gpt-5", PLAIN_KEY)])
def test_record_then_replay(tmp_path: Path, connect: Any, stream: bool, server_cls: Any, name: str,
                            key: str) -> None:
    path = tmp_path / "run" / "trajectory.jsonl"
    path.parent.mkdir()
    path.write_text(json.dumps({"kind": "iteration", "n": 1}) + "\n")  # the loop's own lines stay untouched
    script = [overloaded(), reply_tool_use("view", {"path": "a.py"}, thinking="look"),
              cut_stream(reply_text("half"), after_events=3), reply_text("done", thinking="ok")]
    with server_cls(script) as srv:
        live = run_loop(connect(name, srv, key=key, recorder=Recorder(path)), stream)
    text = path.read_text()
    assert key not in text and "x-api-key" not in text and "authorization" not in text.lower()
    calls = [json.loads(line) for line in text.splitlines()][1:]
    assert [c["attempt"] for c in calls] == [1, 2, 1, 2]
    assert calls[2]["status"] == (200 if stream else None) and calls[2]["incomplete"] is stream
    assert calls[0]["status"] == 529 and calls[-1]["status"] == 200 and calls[-1]["model"] == name

    again = tmp_path / "again.jsonl"
    replay = make_model(f"replay:{path}", DialConfig(), recorder=Recorder(again))
    replayed = run_loop(replay, stream)
    assert [json.loads(line) for line in again.read_text().splitlines()] == calls  # replayable in turn
    for a, b in zip(live, replayed, strict=True):
        assert a.content == b.content and a.stop_reason == b.stop_reason
        assert a.usage == b.usage and a.attempts_usage == b.attempts_usage
    assert replay.capabilities.name == name and replay.remaining == 0
    with pytest.raises(ReplayError, match="ran out after 2"):
        replay.complete(ModelRequest("sys", [Message.user("more")]))


def test_replay_refuses_a_diverged_conversation(tmp_path: Path, connect: Any) -> None:
    path = tmp_path / "trajectory.jsonl"
    with AnthropicServer([reply_text("a")]) as srv:
        connect("anthropic:claude-sonnet-4-5", srv, recorder=Recorder(path)).complete(
            ModelRequest("s", [Message.user("q")]))
    replay = make_model(f"replay:{path}", DialConfig())
    with pytest.raises(ReplayError, match="diverged|recording had"):
        replay.complete(ModelRequest("s", [Message.user("q"), Message.user("again"), Message.user("x")]))


def test_replay_of_missing_or_empty_file(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match="no recording"):
        make_model(f"replay:{tmp_path / 'nope.jsonl'}", DialConfig())
    empty = tmp_path / "t.jsonl"
    empty.write_text('{"kind": "other"}\n')
    with pytest.raises(ReplayError, match="no recorded model calls"):
        make_model(f"replay:{empty}", DialConfig())


def test_recording_off_in_config_writes_nothing(tmp_path: Path, connect: Any) -> None:
    from agent.config import ProviderSettings

    path = tmp_path / "t.jsonl"
    config = DialConfig(providers={"anthropic": ProviderSettings(record=False)})
    with AnthropicServer([reply_text("a")]) as srv:
        connect("anthropic:claude-sonnet-4-5", srv, config, recorder=Recorder(path)).complete(
            ModelRequest("s", [Message.user("q")]))
    assert not path.exists()


def test_recorder_scrubs_secret_headers_and_key_patterns(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "r.jsonl", secrets=["hunter2-password"])
    recorder.record("openai", {"api_key": "x", "note": "key sk-abcdefghijklmnopqrstuv and hunter2-password"},
                    {"ok": True}, 200, {"Authorization": "Bearer z", "x-request-id": "r1"})
    line = json.loads((tmp_path / "r.jsonl").read_text())
    assert line["request"]["api_key"] == "[redacted]"
    assert "sk-abc" not in line["request"]["note"] and "hunter2" not in line["request"]["note"]
    assert line["headers"] == {"x-request-id": "r1"}

"""Loopback model servers for tests: scripted Anthropic and OpenAI wire formats on 127.0.0.1.

    from tests.servers import AnthropicServer, OpenAIServer, reply_text, reply_tool_use, overloaded

    with AnthropicServer([reply_tool_use("view", {"path": "a.py"}, thinking="check a.py"),
                          reply_text("done")]) as srv:
        model = make_model("anthropic:claude-sonnet-4-5", DialConfig(),
                           env={"ANTHROPIC_API_KEY": "test", "ANTHROPIC_BASE_URL": srv.base_url})
        ...
        assert srv.errors == []          # nothing the real API would have refused
        srv.requests[1].messages         # what the client sent

Script items are served in order (a Reply, a Fault, or a callable(request_body) -> Reply | Fault); a request
with no item left gets HTTP 500 "script exhausted" and an entry in `srv.errors`.
"""

from tests.servers.anthropic_server import AnthropicServer
from tests.servers.base import RecordedRequest, ScriptedServer
from tests.servers.openai_server import OpenAIServer
from tests.servers.script import (
    Block,
    Fault,
    Reply,
    cut_stream,
    drop_connection,
    malformed_json,
    overloaded,
    rate_limited,
    reply_text,
    reply_tool_use,
    reply_tool_uses,
    server_error,
    stall,
    status_error,
    stream_error,
)

__all__ = [
    "AnthropicServer", "Block", "Fault", "OpenAIServer", "RecordedRequest", "Reply", "ScriptedServer",
    "cut_stream", "drop_connection", "malformed_json", "overloaded", "rate_limited", "reply_text",
    "reply_tool_use", "reply_tool_uses", "server_error", "stall", "status_error", "stream_error",
]

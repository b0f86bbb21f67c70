"""The machinery shared by the loopback model servers: a threaded HTTP server on 127.0.0.1:0 that serves
a script, validates requests, injects faults, and records everything for assertions.

Subclasses give the wire format: `validate(body, headers) -> list[str]` (problems, as the real API would
reject them), `render_json(reply, body)`, `render_events(reply, body)` (a list of SSE event strings) and
`error_body(status, message)`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable

from tests.servers.script import Fault, Reply, ScriptItem


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]  # lower-case names
    body: Any  # parsed JSON, or the raw text when it was not JSON

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages") or []) if isinstance(self.body, dict) else []


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_HTTPServer"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        return

    def do_POST(self) -> None:
        self.server.owner._handle(self)

    def do_GET(self) -> None:
        self.server.owner._send_json(self, 404, self.server.owner.error_body(404, f"no route {self.path}"))


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: "ScriptedServer"


class ScriptedServer:
    """Base of AnthropicServer / OpenAIServer; use as a context manager.

    Attributes for assertions: `requests` (every request, in order), `errors` (every problem the server
    found: validation failures, script exhausted), `served` (how many script items were used).
    """

    path = ""

    def __init__(self, script: Iterable[ScriptItem] = (), *, require_key: bool = True,
                 secret: bytes = b"dial-loopback", api_keys: Iterable[str] | None = None) -> None:
        self.script: deque[ScriptItem] = deque(script)
        self.require_key = require_key
        self.api_keys = set(api_keys) if api_keys is not None else None  # None: any non-empty key
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []
        self.served = 0
        self.extra_headers: dict[str, str] = {}  # sent with every response (e.g. x-should-retry)
        self._secret = secret
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> "ScriptedServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, *items: ScriptItem) -> None:
        """Append to the script (e.g. after seeing the first request)."""
        with self._lock:
            self.script.extend(items)

    def sign(self, text: str) -> str:
        """The signature the server gives a thinking block, and checks when it comes back."""
        return "sig-" + hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()

    # ---- for subclasses ----------------------------------------------------------------------
    def validate(self, body: dict[str, Any], headers: dict[str, str]) -> list[str]:
        return []

    def request_key(self, headers: dict[str, str]) -> str:
        """The API key the request carries ('' when none)."""
        return ""

    def check_auth(self, headers: dict[str, str]) -> str | None:
        key = self.request_key(headers)
        if not key:
            return "no API key in the request"
        if self.api_keys is not None and key not in self.api_keys:
            return "invalid API key"
        return None

    def render_json(self, reply: Reply, body: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def render_events(self, reply: Reply, body: dict[str, Any]) -> list[str]:
        raise NotImplementedError

    def error_body(self, status: int, message: str) -> dict[str, Any]:
        return {"error": {"message": message}}

    def stream_error_event(self, error_type: str) -> str:
        return f"data: {json.dumps({'error': {'type': error_type, 'message': 'Overloaded'}})}\n\n"

    # ---- the request ---------------------------------------------------------------------------
    def _handle(self, h: _Handler) -> None:
        length = int(h.headers.get("content-length") or 0)
        raw = h.rfile.read(length).decode("utf-8", errors="replace")
        headers = {k.lower(): v for k, v in h.headers.items()}
        try:
            body: Any = json.loads(raw)
        except json.JSONDecodeError:
            body = raw
        with self._lock:
            self.requests.append(RecordedRequest(h.path, headers, body))
        if h.path.rstrip("/") != self.path:
            self._send_json(h, 404, self.error_body(404, f"no route {h.path}"))
            return
        if not isinstance(body, dict):
            self._fail(h, 400, "request body is not a JSON object")
            return
        auth = self.check_auth(headers) if self.require_key else None
        if auth:
            self._fail(h, 401, auth)
            return
        problems = self.validate(body, headers)
        if problems:
            self._fail(h, 400, "; ".join(problems))
            return
        with self._lock:
            item = self.script.popleft() if self.script else None
            if item is not None:
                self.served += 1
        if item is None:
            self._fail(h, 500, f"dial loopback server: script exhausted after {self.served} replies "
                               f"(request {len(self.requests)} has no scripted answer)")
            return
        if callable(item) and not isinstance(item, (Reply, Fault)):
            item = item(body)
        if isinstance(item, Fault):
            self._fault(h, item, body)
        else:
            self._reply(h, item, body)

    def _fail(self, h: _Handler, status: int, message: str) -> None:
        with self._lock:
            self.errors.append(message)
        self._send_json(h, status, self.error_body(status, message))

    def _reply(self, h: _Handler, reply: Reply, body: dict[str, Any]) -> None:
        if body.get("stream"):
            self._send_events(h, self.render_events(reply, body))
        else:
            self._send_json(h, 200, self.render_json(reply, body))

    def _fault(self, h: _Handler, fault: Fault, body: dict[str, Any]) -> None:
        if fault.kind == "status":
            extra = {"retry-after": str(fault.retry_after)} if fault.retry_after is not None else {}
            payload = fault.body if fault.body is not None else self.error_body(fault.status, "injected fault")
            self._send_json(h, fault.status, payload, extra)
        elif fault.kind == "malformed":
            if body.get("stream"):
                self._send_events(h, ["data: {\"type\": \"message_start\", \"message\": {oops\n\n"])
            else:
                self._send_raw(h, 200, b'{"id": "msg_1", "content": [', "application/json")
        elif fault.kind == "drop":
            self._drop(h)
        elif fault.kind == "stall":
            time.sleep(fault.seconds)
            self._drop(h)
        elif fault.kind in ("cut", "stream_error"):
            assert fault.reply is not None
            if not body.get("stream"):
                self._drop(h)
                return
            events = self.render_events(fault.reply, body)[: fault.after_events]
            if fault.kind == "stream_error":
                self._send_events(h, events + [self.stream_error_event(fault.error_type)])
            else:
                self._send_events(h, events, cut=True)

    # ---- writing -----------------------------------------------------------------------------
    def _send_json(self, h: _Handler, status: int, payload: Any, extra: dict[str, str] | None = None) -> None:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        self._send_raw(h, status, data.encode(), "application/json", extra)

    def _send_raw(self, h: _Handler, status: int, data: bytes, ctype: str,
                  extra: dict[str, str] | None = None) -> None:
        h.send_response(status)
        h.send_header("content-type", ctype)
        h.send_header("content-length", str(len(data)))
        for k, v in {**self.extra_headers, **(extra or {})}.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)
        h.wfile.flush()

    def _send_events(self, h: _Handler, events: list[str], cut: bool = False) -> None:
        h.send_response(200)
        h.send_header("content-type", "text/event-stream")
        h.send_header("transfer-encoding", "chunked")
        h.end_headers()
        for event in events:
            data = event.encode()
            h.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        h.wfile.flush()
        if cut:
            self._drop(h)
            return
        h.wfile.write(b"0\r\n\r\n")
        h.wfile.flush()

    def _drop(self, h: _Handler) -> None:
        h.close_connection = True
        try:
            h.wfile.flush()
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def sse(event: str | None, data: Any) -> str:
    """One server-sent event."""
    text = data if isinstance(data, str) else json.dumps(data)
    return (f"event: {event}\n" if event else "") + f"data: {text}\n\n"


def estimate(text: str) -> int:
    return max(1, len(text) // 4)

"""The HTTP half every provider shares: timeouts, retries with backoff, SSE reading, recording, billing.

A provider supplies three things: the request body (`build`), a parser of a JSON reply (`parse_body`) and a
stream state that eats server-sent events (`new_stream`). This class does the rest, so retry and billing
rules live in one place: an attempt that the provider billed (a stream cut after it started, a reply that
could not be parsed) is counted, at its worst case when the real count never arrived.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol

import httpx

from agent.models.budget import ThinkingControl, translate_budget
from agent.models.capabilities import ModelCapabilities, known_models
from agent.models.errors import RETRY_STATUSES, ModelError, ProviderUnavailableError, error_for_status, redact
from agent.models.record import Recorder
from agent.models.types import ContentBlock, Message, ModelRequest, ModelResponse, Usage

log = logging.getLogger("dial.models")


def estimate_tokens(text: str) -> int:
    """~4 characters a token: used only where the provider gives no count, and flagged as an estimate."""
    return (len(text) + 3) // 4


@dataclass
class RetryPolicy:
    """Exponential backoff with jitter; `sleep` and `random` are injectable so tests run instantly."""

    max_retries: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_retry_after: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = random.random

    def delay(self, retry_index: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return max(0.0, min(retry_after, self.max_retry_after))
        return min(self.max_delay, self.base_delay * (2**retry_index)) * (0.5 + self.random() / 2)


def parse_retry_after(headers: httpx.Headers) -> float | None:
    """Seconds from `retry-after-ms` / `retry-after` (seconds or an HTTP date)."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


@dataclass
class Parsed:
    content: list[ContentBlock]
    stop_reason: str
    usage: Usage


class StreamState(Protocol):
    def feed(self, event: str, data: str) -> None: ...

    def finish(self) -> Parsed: ...  # raises Retry when the stream ended early

    def billed_if_cut(self) -> Usage | None: ...


@dataclass(eq=False)
class Retry(Exception):
    """One attempt failed in a way worth retrying; `billed` is what the provider charged for it."""

    reason: str
    billed: Usage | None = None
    retry_after: float | None = None
    status: int | None = None


@dataclass
class Prepared:
    url: str
    payload: dict[str, Any]
    headers: dict[str, str]
    control: ThinkingControl
    input_estimate: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def iter_sse(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """(event, data) pairs from text/event-stream lines; comments and keep-alives skipped."""
    event, data = "", []
    for line in lines:
        if line == "":
            if data:
                yield event or "message", "\n".join(data)
            event, data = "", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
    if data:
        yield event or "message", "\n".join(data)


class HttpModel:
    """Base of the HTTP providers. Subclasses set `provider`, `key_env` and implement the three hooks."""

    provider = ""
    key_env = ""

    def __init__(
        self,
        caps: ModelCapabilities,
        *,
        base_url: str,
        api_key: str | None,
        timeout_s: float = 600.0,
        connect_timeout_s: float = 10.0,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        self.capabilities = caps
        self.name = caps.name
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.policy = policy or RetryPolicy()
        self.recorder = recorder
        if recorder is not None:
            recorder.add_secret(api_key)
        timeout = httpx.Timeout(timeout_s, connect=connect_timeout_s)
        self._client = httpx.Client(transport=transport, timeout=timeout)
        self._notes: set[str] = set()

    def __repr__(self) -> str:  # never show the key
        return f"<{type(self).__name__} {self.name} at {self.base_url}>"

    # ---- hooks -------------------------------------------------------------------------------
    def build(self, request: ModelRequest, control: ThinkingControl) -> Prepared:
        raise NotImplementedError

    def parse_body(self, body: Any, prepared: Prepared) -> Parsed:
        raise NotImplementedError

    def new_stream(self, prepared: Prepared, on_text: Callable[[str], None] | None) -> StreamState:
        raise NotImplementedError

    def error_detail(self, body: str) -> str:
        """The human part of an error body (providers wrap it as {"error": {"message": ...}})."""
        try:
            data = json.loads(body)
        except (json.JSONDecodeError, ValueError):
            return body.strip()[:300]
        err = data.get("error") if isinstance(data, dict) else None
        if isinstance(err, dict):
            return str(err.get("message") or err.get("type") or err)
        return str(err or data)[:300]

    # ---- the call ----------------------------------------------------------------------------
    def control_for(self, request: ModelRequest) -> ThinkingControl:
        control = translate_budget(self.capabilities, request.thinking_budget, request.max_tokens)
        if control.note and control.note not in self._notes:  # say it once, not on every call
            self._notes.add(control.note)
            log.info("%s: %s", self.name, control.note)
        return control

    def worst_case(self, prepared: Prepared, input_tokens: int | None = None) -> Usage:
        """Usage of an attempt whose real count never arrived: all of max_tokens spent."""
        return Usage(input_tokens=input_tokens if input_tokens is not None else prepared.input_estimate,
                     output_tokens=prepared.control.max_tokens, incomplete=True)

    def complete(self, request: ModelRequest) -> ModelResponse:
        prepared = self.build(request, self.control_for(request))
        shape = [m.role for m in request.messages]
        billed: list[Usage] = []
        last: Retry | None = None
        for attempt in range(1, self.policy.max_retries + 2):
            try:
                parsed = self._attempt(prepared, request, attempt, shape)
            except ModelError as error:
                error.attempts_usage = billed
                raise
            except Retry as failure:
                last = failure
                if failure.billed is not None:
                    billed.append(failure.billed)
                if attempt <= self.policy.max_retries:
                    delay = self.policy.delay(attempt - 1, failure.retry_after)
                    if request.on_retry is not None:
                        request.on_retry(redact(failure.reason, self._secrets()), delay)
                    self.policy.sleep(delay)
                continue
            billed.append(parsed.usage)
            total = sum(billed, Usage())
            return ModelResponse(parsed.content, parsed.stop_reason, total, self.name, attempts_usage=billed)
        assert last is not None
        error = ProviderUnavailableError(
            f"{self.name} failed {self.policy.max_retries + 1} times; last: {redact(last.reason, self._secrets())}",
            "try again later, or raise providers." + self.provider + ".max_retries in the config",
        )
        error.attempts_usage = billed
        raise error

    def _secrets(self) -> tuple[str, ...]:
        return (self._api_key,) if self._api_key else ()

    def _record(self, prepared: Prepared, response: Any, status: int | None, headers: Any, attempt: int,
                shape: list[str], incomplete: bool = False) -> None:
        if self.recorder is None:
            return
        self.recorder.record(
            self.provider, prepared.payload, response, status, dict(headers or {}),
            model=self.name, attempt=attempt, shape=shape, incomplete=incomplete,
        )

    def _status_failure(self, status: int, body: str, headers: httpx.Headers) -> Exception:
        """Retry, or the error to raise. The server may say which with `x-should-retry`."""
        detail = redact(self.error_detail(body), self._secrets())
        should = headers.get("x-should-retry")
        retry = status in RETRY_STATUSES if should not in ("true", "false") else should == "true"
        if retry:
            return Retry(f"HTTP {status}: {detail}", None, parse_retry_after(headers), status)
        if status >= 500 or status == 429:
            return ProviderUnavailableError(f"{self.name} failed with HTTP {status}: {detail}",
                                            "try again later; the provider asked not to retry")
        return self.error(status, detail)

    def error(self, status: int, detail: str) -> Exception:
        """The one-line, non-retryable error for an HTTP status (or an error event in a stream)."""
        return error_for_status(status, detail, provider=self.provider, model=self.capabilities.model,
                                key_env=self.key_env, known=known_models(self.provider), secrets=self._secrets())

    def _attempt(self, prepared: Prepared, request: ModelRequest, attempt: int, shape: list[str]) -> Parsed:
        try:
            if request.stream:
                return self._attempt_stream(prepared, request, attempt, shape)
            response = self._client.post(prepared.url, json=prepared.payload, headers=prepared.headers)
        except httpx.TransportError as exc:
            self._record(prepared, {"error": f"{type(exc).__name__}: {exc}"}, None, {}, attempt, shape)
            raise Retry(f"connection failed ({type(exc).__name__}: {exc})") from exc
        text = response.text
        if response.status_code != 200:
            self._record(prepared, text, response.status_code, response.headers, attempt, shape)
            raise self._status_failure(response.status_code, text, response.headers)
        try:
            body = json.loads(text)
            parsed = self.parse_body(body, prepared)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self._record(prepared, text, 200, response.headers, attempt, shape, incomplete=True)
            raise Retry(f"malformed reply ({type(exc).__name__}: {exc})", self.worst_case(prepared)) from exc
        self._record(prepared, body, 200, response.headers, attempt, shape)
        return parsed

    def _attempt_stream(self, prepared: Prepared, request: ModelRequest, attempt: int, shape: list[str]) -> Parsed:
        events: list[dict[str, str]] = []
        state = self.new_stream(prepared, request.on_text)
        with self._client.stream("POST", prepared.url, json=prepared.payload, headers=prepared.headers) as response:
            if response.status_code != 200:
                text = response.read().decode("utf-8", errors="replace")
                self._record(prepared, text, response.status_code, response.headers, attempt, shape)
                raise self._status_failure(response.status_code, text, response.headers)
            try:
                for event, data in iter_sse(response.iter_lines()):
                    events.append({"event": event, "data": data})
                    state.feed(event, data)
                parsed = state.finish()
            except httpx.TransportError as exc:
                self._record(prepared, events, 200, response.headers, attempt, shape, incomplete=True)
                raise Retry(f"stream broken ({type(exc).__name__}: {exc})", state.billed_if_cut()) from exc
            except Retry as failure:
                self._record(prepared, events, 200, response.headers, attempt, shape, incomplete=True)
                if failure.billed is None:
                    failure.billed = state.billed_if_cut()
                raise
            except ModelError:
                self._record(prepared, events, 200, response.headers, attempt, shape, incomplete=True)
                raise
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                self._record(prepared, events, 200, response.headers, attempt, shape, incomplete=True)
                raise Retry(f"malformed stream ({type(exc).__name__}: {exc})",
                            state.billed_if_cut() or self.worst_case(prepared)) from exc
        self._record(prepared, events, 200, response.headers, attempt, shape)
        return parsed

    def close(self) -> None:
        self._client.close()


def messages_text(messages: list[Message], system: str) -> str:
    """All text of a request, for estimating its input tokens when the provider reports none."""
    parts = [system]
    for m in messages:
        for b in m.content:
            parts.append(json.dumps(b.__dict__, default=str))
    return "\n".join(parts)

"""Record mode: every request and response of a run, appended to its trajectory (JSONL), keys removed.

A line is `{"kind": "model_call", "provider", "model", "attempt", "status", "request", "response", "headers",
"shape", "incomplete"}`; other kinds of lines in the same file (written by the loop) are left alone, and the
replay provider reads only these. Secrets are removed twice: known secret headers are dropped, and any
string that looks like an API key, or equals one the provider registered, is replaced.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any, Iterable, Mapping

SECRET_HEADERS = frozenset({"authorization", "x-api-key", "api-key", "openai-api-key", "cookie", "set-cookie",
                            "proxy-authorization", "x-goog-api-key"})
_KEY_PATTERN = re.compile(r"\b(sk-[A-Za-z0-9_\-]{16,}|sk-ant-[A-Za-z0-9_\-]{8,})")
REDACTED = "[redacted]"


def scrub(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A copy of `value` with key-like strings and the given secrets replaced."""
    secrets = tuple(s for s in secrets if s)
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return _KEY_PATTERN.sub(REDACTED, value)
    if isinstance(value, Mapping):
        return {str(k): (REDACTED if str(k).lower() in SECRET_HEADERS or str(k).lower() == "api_key"
                         else scrub(v, secrets)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v, secrets) for v in value]
    return value


class Recorder:
    """Appends model calls to a JSONL file; safe to share between threads and models."""

    def __init__(self, path: Path, secrets: Iterable[str] = ()) -> None:
        self.path = Path(path)
        self._secrets: set[str] = {s for s in secrets if s}
        self._lock = threading.Lock()

    def add_secret(self, secret: str | None) -> None:
        """Providers register their key so it is scrubbed even where no pattern would catch it."""
        if secret:
            self._secrets.add(secret)

    def record(
        self,
        provider: str,
        request_json: Any,
        response_json_or_events: Any,
        status: int | None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        """Append one attempt. `extra` carries model, attempt, shape, incomplete (see module docstring)."""
        line = {
            "kind": "model_call",
            "provider": provider,
            **extra,
            "status": status,
            "request": request_json,
            "response": response_json_or_events,
            "headers": {k.lower(): v for k, v in (headers or {}).items() if k.lower() not in SECRET_HEADERS},
        }
        text = json.dumps(scrub(line, self._secrets), ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(text + "\n")


def read_calls(path: Path) -> list[dict[str, Any]]:
    """The model_call lines of a trajectory, in order."""
    out: list[dict[str, Any]] = []
    with Path(path).open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number} is not JSON: {exc}") from exc
            if isinstance(item, dict) and item.get("kind") == "model_call":
                out.append(item)
    return out

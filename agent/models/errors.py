"""Provider errors: a small tree, and the retry table.

| status / failure                          | retried | raised after retries / at once     |
|-------------------------------------------|---------|------------------------------------|
| 429, 500, 502, 503, 504, 529              | yes     | ProviderUnavailableError           |
| dropped connection, timeout, stream cut,  | yes     | ProviderUnavailableError           |
| malformed JSON / SSE                      |         |                                    |
| 400 (prompt too long)                     | no      | ContextTooLongError                |
| 400, 413, 422                             | no      | BadRequestError                    |
| 401, 403                                  | no      | AuthError (names the key variable) |
| 404                                       | no      | ModelNotFoundError (known models)  |

Every message is one line naming the fix, and never contains the API key.
"""

from __future__ import annotations

from agent.errors import DialError

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 529})


class ModelError(DialError):
    """A provider call failed in a way retrying will not fix.

    `attempts_usage` lists what the failed call's earlier attempts billed (cut streams), so the caller can
    still charge them.
    """

    status: int | None = None
    attempts_usage: list = []  # set per instance by the provider


class BadRequestError(ModelError):
    status = 400


class ContextTooLongError(BadRequestError):
    pass


class AuthError(ModelError):
    status = 401


class ModelNotFoundError(ModelError):
    status = 404


class ProviderUnavailableError(ModelError):
    """Retries ran out (overload, rate limit, dropped connections); `attempts_usage` is what they billed."""


class ReplayError(ModelError):
    """A replayed run does not match the recording, or ran out of it."""


def redact(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


def error_for_status(
    status: int,
    detail: str,
    *,
    provider: str,
    model: str,
    key_env: str,
    known: list[str],
    secrets: tuple[str, ...] = (),
) -> ModelError:
    """Turn a non-retryable HTTP status into a one-line error that names the fix."""
    detail = redact(" ".join(detail.split())[:300], secrets)
    name = f"{provider}:{model}"
    if status in (401, 403):
        return AuthError(
            f"{provider} refused the API key (HTTP {status}): {detail}",
            f"set a valid key in {key_env} (or api_key under [providers.{provider}] in the user-level config)",
        )
    if status == 404:
        return ModelNotFoundError(
            f"{provider} does not know model '{model}' (HTTP 404): {detail}",
            "use one of: " + (", ".join(known) or f"the models your {provider} server lists"),
        )
    lowered = detail.lower()
    too_long = ("too long", "context_length", "context length", "maximum context")
    if status in (400, 413) and any(s in lowered for s in too_long):
        return ContextTooLongError(
            f"the prompt is too long for {name} (HTTP {status}): {detail}",
            "lower loop.map_tokens or the task's scope, or pick a model with a larger context window",
        )
    return BadRequestError(
        f"{provider} rejected the request for {name} (HTTP {status}): {detail}",
        "check the model's capabilities (reasoning kind, max_output_tokens) in [model.capabilities] "
        "or report this as a dial bug",
    )

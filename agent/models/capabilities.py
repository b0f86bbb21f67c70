"""Model capabilities as data: the shipped table (capabilities.toml) plus the user's overrides.

Which reasoning knob a model takes, its limits and its prices are looked up here, never guessed from
substrings of the model name scattered through the providers.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field, fields
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, Mapping

from agent.errors import DialError
from agent.models.types import Usage

log = logging.getLogger("dial.models")

Reasoning = Literal["budget_tokens", "adaptive", "openai_effort", "none"]
REASONING_KINDS = ("budget_tokens", "adaptive", "openai_effort", "none")
PROVIDERS = ("anthropic", "openai", "openai-compatible")
_DATE_SUFFIX = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class ModelCapabilities:
    """What one model can do and what it costs (USD per million tokens)."""

    provider: str
    model: str
    context_window: int
    max_output_tokens: int
    reasoning: Reasoning
    min_thinking_tokens: int
    can_disable_thinking: bool
    effort_levels: tuple[str, ...]
    effort_typical_tokens: dict[str, int] = field(hash=False)
    price_input: float
    price_output: float
    price_cache_write: float
    price_cache_read: float
    native_text_editor: str | None = None
    interleaved_thinking: bool = False
    known: bool = True  # False when built from the provider defaults for a model the table lacks

    @property
    def name(self) -> str:
        return f"{self.provider}:{self.model}"


_FIELDS = {f.name for f in fields(ModelCapabilities)} - {"provider", "model", "known"}


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    text = resources.files("agent.models").joinpath("capabilities.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def split_name(name: str) -> tuple[str, str]:
    """'provider:model' -> (provider, model); a bare or empty part is a user error."""
    provider, sep, model = name.partition(":")
    if not sep or not provider or not model:
        raise DialError(
            f"model name '{name}' is not of the form provider:model",
            "use e.g. --model anthropic:claude-sonnet-4-5, openai:gpt-5 or openai-compatible:qwen3-coder",
        )
    return provider, model


def known_models(provider: str | None = None) -> list[str]:
    """Names in the shipped table, optionally of one provider."""
    names = sorted(_table()["models"])
    return [n for n in names if provider is None or n.startswith(provider + ":")]


def _lookup(provider: str, model: str) -> dict[str, Any] | None:
    models = _table()["models"]
    for candidate in (model, _DATE_SUFFIX.sub("", model)):
        entry = models.get(f"{provider}:{candidate}")
        if entry is not None:
            return dict(entry)
    return None


def _check_fields(where: str, data: Mapping[str, Any]) -> None:
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise DialError(
            f"capability override for {where} has unknown field(s): {', '.join(unknown)}",
            f"use only: {', '.join(sorted(_FIELDS))}",
        )
    reasoning = data.get("reasoning")
    if reasoning is not None and reasoning not in REASONING_KINDS:
        raise DialError(
            f"capability override for {where}: reasoning = '{reasoning}' is not known",
            f"use one of {', '.join(REASONING_KINDS)}",
        )


def get_capabilities(name: str, overrides: Mapping[str, Any] | None = None) -> ModelCapabilities:
    """Capabilities of 'provider:model'; `overrides` is config.model.capabilities (name -> fields).

    An unknown model of a known provider gets that provider's defaults and a warning: new models appear
    all the time, and the user can describe one in config.
    """
    provider, model = split_name(name)
    if provider not in PROVIDERS:
        raise DialError(
            f"unknown model provider '{provider}' in '{name}'",
            f"use one of {', '.join(PROVIDERS)} (or replay:<trajectory.jsonl>)",
        )
    user = dict((overrides or {}).get(name) or (overrides or {}).get(model) or {})
    _check_fields(name, user)
    data = _lookup(provider, model)
    known = data is not None
    if data is None:
        data = dict(_table()["defaults"][provider])
        if not user:
            log.warning(
                "model %s is not in dial's capability table; using %s defaults (context %d, reasoning %s). "
                "Describe it under [model.capabilities.\"%s\"] in your config. Known: %s",
                name, provider, data["context_window"], data["reasoning"], name,
                ", ".join(known_models(provider)),
            )
    typical = dict(data.get("effort_typical_tokens", {}))
    typical.update(user.pop("effort_typical_tokens", {}) or {})
    data.update(user)
    data["effort_typical_tokens"] = typical
    data["effort_levels"] = tuple(data.get("effort_levels", ()))
    try:
        return ModelCapabilities(provider=provider, model=model, known=known or bool(user), **data)
    except TypeError as exc:
        raise DialError(f"capabilities of {name} are incomplete: {exc}", "add the missing fields in config") from exc


def cost_usd(usage: Usage, caps: ModelCapabilities) -> float:
    """Cost of billed tokens. Input excludes cache reads/writes (both providers' usage is normalised so)."""
    return (
        usage.input_tokens * caps.price_input
        + usage.output_tokens * caps.price_output
        + usage.cache_write_tokens * caps.price_cache_write
        + usage.cache_read_tokens * caps.price_cache_read
    ) / 1_000_000


def worst_case_cost(caps: ModelCapabilities, input_tokens: int, max_tokens: int) -> float:
    """The most one call can cost: all input at the dearer of input and cache-write, all max_tokens out."""
    input_price = max(caps.price_input, caps.price_cache_write)
    return (input_tokens * input_price + max_tokens * caps.price_output) / 1_000_000

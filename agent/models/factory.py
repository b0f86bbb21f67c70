"""make_model: 'provider:model' + config -> a Model. The one place that reads endpoints and keys.

Keys come from the environment or the user-level config file only (agent.config refuses a key stored in
the repo); base URLs from ANTHROPIC_BASE_URL / OPENAI_BASE_URL, then the config. Tests hand in a transport,
a recorder, a sleep and an environment through keyword arguments, never by patching.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Mapping

import httpx

from agent.config import DialConfig
from agent.errors import DialError
from agent.models.anthropic import DEFAULT_BASE_URL as ANTHROPIC_URL
from agent.models.anthropic import AnthropicModel
from agent.models.capabilities import PROVIDERS, get_capabilities, split_name
from agent.models.http import HttpModel, RetryPolicy
from agent.models.openai import DEFAULT_BASE_URL as OPENAI_URL
from agent.models.openai import OpenAICompatibleModel, OpenAIModel
from agent.models.record import Recorder
from agent.models.replay import ReplayModel
from agent.models.types import Model

_CLASSES: dict[str, type[HttpModel]] = {
    "anthropic": AnthropicModel,
    "openai": OpenAIModel,
    "openai-compatible": OpenAICompatibleModel,
}
_KEY_ENV = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY", "openai-compatible": "OPENAI_API_KEY"}
_URL_ENV = {"anthropic": "ANTHROPIC_BASE_URL", "openai": "OPENAI_BASE_URL", "openai-compatible": "OPENAI_BASE_URL"}


def make_model(
    name: str,
    config: DialConfig,
    *,
    recorder: Recorder | None = None,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] | None = None,
    env: Mapping[str, str] | None = None,
) -> Model:
    """Build the model `name` ('anthropic:claude-sonnet-4-5', 'openai:gpt-5', 'replay:<path>', ...)."""
    env = os.environ if env is None else env
    provider, model = split_name(name)
    overrides = config.model.capabilities
    if provider == "replay":
        return ReplayModel(Path(model), overrides, recorder=recorder)
    if provider not in _CLASSES:
        raise DialError(
            f"unknown model provider '{provider}' in '{name}'",
            f"use one of {', '.join(PROVIDERS)} or replay:<trajectory.jsonl>",
        )
    caps = get_capabilities(name, overrides)
    settings = config.provider(provider)
    key = env.get(_KEY_ENV[provider]) or settings.api_key
    if provider == "openai-compatible":
        key = settings.api_key or env.get("DIAL_OPENAI_COMPATIBLE_API_KEY") or None
    if not key and provider != "openai-compatible":
        raise DialError(
            f"no API key for {provider} ({_KEY_ENV[provider]} is not set)",
            f"set {_KEY_ENV[provider]} in the environment (or api_key under [providers.{provider}] in "
            "the user-level config ~/.config/dial/config.toml; never in the repo)",
        )
    if provider == "openai-compatible":
        base_url = settings.base_url or env.get(_URL_ENV[provider])
        if not base_url:
            raise DialError(
                "no base_url for the openai-compatible provider",
                "set base_url under [providers.openai-compatible] (e.g. http://localhost:11434/v1 for Ollama) "
                "or OPENAI_BASE_URL",
            )
    else:
        base_url = env.get(_URL_ENV[provider]) or settings.base_url or (
            ANTHROPIC_URL if provider == "anthropic" else OPENAI_URL)
    policy = RetryPolicy(max_retries=max(0, settings.max_retries))
    if sleep is not None:
        policy.sleep = sleep
    return _CLASSES[provider](
        caps,
        base_url=base_url,
        api_key=key,
        timeout_s=settings.timeout_s,
        connect_timeout_s=settings.connect_timeout_s,
        policy=policy,
        transport=transport,
        recorder=recorder if settings.record else None,
    )

"""The capability table and user overrides."""

from __future__ import annotations

import logging

import pytest

from agent.config import DialConfig, ModelSettings
from agent.errors import DialError
from agent.models import get_capabilities, known_models, make_model


def test_table_entries_are_complete() -> None:
    names = known_models()
    assert "anthropic:claude-sonnet-4-5" in names and "openai:gpt-5" in names
    for name in names:
        caps = get_capabilities(name)
        assert caps.known and caps.context_window > caps.max_output_tokens > 0
        if caps.reasoning in ("adaptive", "openai_effort"):
            assert caps.effort_levels and all(lvl in caps.effort_typical_tokens for lvl in caps.effort_levels)
        if caps.reasoning == "budget_tokens":
            assert caps.min_thinking_tokens == 1024


def test_claude_4_declares_the_native_editor() -> None:
    assert get_capabilities("anthropic:claude-sonnet-4-5").native_text_editor == "text_editor_20250728"
    assert get_capabilities("anthropic:claude-opus-4-7").reasoning == "adaptive"
    assert get_capabilities("openai:gpt-5").can_disable_thinking is False


def test_dated_snapshot_resolves_to_its_family() -> None:
    caps = get_capabilities("anthropic:claude-sonnet-4-5-20250929")
    assert caps.known and caps.model == "claude-sonnet-4-5-20250929" and caps.price_input == 3.0


def test_unknown_model_gets_defaults_and_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="dial.models"):
        caps = get_capabilities("openai:gpt-99")
    assert not caps.known and caps.reasoning == "none"
    assert "gpt-99" in caplog.text and "openai:gpt-5" in caplog.text


def test_overrides_replace_fields_and_merge_efforts() -> None:
    overrides = {"anthropic:claude-opus-4-7": {"price_input": 1.5, "effort_typical_tokens": {"low": 500}}}
    caps = get_capabilities("anthropic:claude-opus-4-7", overrides)
    assert caps.price_input == 1.5
    assert caps.effort_typical_tokens["low"] == 500 and caps.effort_typical_tokens["max"] == 64000


def test_override_describes_a_new_model(caplog: pytest.LogCaptureFixture) -> None:
    overrides = {"openai-compatible:my-coder": {"context_window": 65536, "reasoning": "openai_effort",
                                                "effort_levels": ["low", "high"],
                                                "effort_typical_tokens": {"low": 1000, "high": 8000}}}
    with caplog.at_level(logging.WARNING, logger="dial.models"):
        caps = get_capabilities("openai-compatible:my-coder", overrides)
    assert caps.context_window == 65536 and caps.effort_levels == ("low", "high")
    assert caplog.text == ""


def test_bad_overrides_are_user_errors() -> None:
    with pytest.raises(DialError, match="unknown field"):
        get_capabilities("openai:gpt-5", {"openai:gpt-5": {"context": 5}})
    with pytest.raises(DialError, match="reasoning"):
        get_capabilities("openai:gpt-5", {"openai:gpt-5": {"reasoning": "lots"}})
    with pytest.raises(DialError, match="provider:model"):
        get_capabilities("gpt-5")
    with pytest.raises(DialError, match="unknown model provider"):
        get_capabilities("google:gemini")


def test_make_model_applies_config_overrides() -> None:
    config = DialConfig(model=ModelSettings(capabilities={"openai:gpt-5": {"max_output_tokens": 1000}}))
    model = make_model("openai:gpt-5", config, env={"OPENAI_API_KEY": "k"})
    assert model.capabilities.max_output_tokens == 1000

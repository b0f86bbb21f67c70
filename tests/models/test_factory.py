"""make_model: names, keys (environment or user file only), endpoints."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import DialConfig, ProviderSettings, load_config
from agent.errors import DialError
from agent.models import make_model
from agent.models.types import Message, ModelRequest
from tests.models.conftest import TEST_KEY
from tests.servers import AnthropicServer, reply_text


def test_missing_key_names_the_variable() -> None:
    with pytest.raises(DialError) as info:
        make_model("anthropic:claude-sonnet-4-5", DialConfig(), env={})
    assert "ANTHROPIC_API_KEY" in info.value.fix
    with pytest.raises(DialError, match="OPENAI_API_KEY"):
        make_model("openai:gpt-5", DialConfig(), env={})


def test_key_in_repo_config_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".dial.toml").write_text(f'[providers.anthropic]\napi_key = "{TEST_KEY}"\n')
    with pytest.raises(DialError) as info:
        make_model("anthropic:claude-sonnet-4-5", load_config(repo, user_file=tmp_path / "none.toml"), env={})
    assert "secret" in info.value.problem and TEST_KEY not in info.value.render()


def test_key_from_user_level_file_is_used(tmp_path: Path) -> None:
    user = tmp_path / "config.toml"
    with AnthropicServer([reply_text("hi")], api_keys={"user-file-key"}) as srv:
        user.write_text(f'[providers.anthropic]\napi_key = "user-file-key"\nbase_url = "{srv.base_url}"\n')
        model = make_model("anthropic:claude-sonnet-4-5", load_config(tmp_path, user_file=user), env={})
        assert model.complete(ModelRequest("s", [Message.user("x")])).message().text() == "hi"


def test_env_base_url_wins_over_config() -> None:
    with AnthropicServer([reply_text("from env")]) as srv:
        config = DialConfig(providers={"anthropic": ProviderSettings(base_url="http://127.0.0.1:9")})
        model = make_model("anthropic:claude-sonnet-4-5", config,
                           env={"ANTHROPIC_API_KEY": TEST_KEY, "ANTHROPIC_BASE_URL": srv.base_url})
        assert model.complete(ModelRequest("s", [Message.user("x")])).message().text() == "from env"


def test_names_and_providers() -> None:
    with pytest.raises(DialError, match="unknown model provider"):
        make_model("gemini:pro", DialConfig(), env={})
    with pytest.raises(DialError, match="provider:model"):
        make_model("claude", DialConfig(), env={})
    with pytest.raises(DialError, match="base_url"):
        make_model("openai-compatible:qwen3-coder", DialConfig(), env={})
    model = make_model("anthropic:claude-brand-new", DialConfig(), env={"ANTHROPIC_API_KEY": TEST_KEY})
    assert model.name == "anthropic:claude-brand-new" and not model.capabilities.known

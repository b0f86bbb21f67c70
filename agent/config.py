"""dial's configuration: typed sections, unknown keys rejected, merged from three places.

Order (later wins): the user-level file (`$XDG_CONFIG_HOME/dial/config.toml`, default
`~/.config/dial/config.toml`), then the repo's `[tool.dial]` in pyproject.toml, then `.dial.toml` in the repo.
Command-line flags override all of them. API keys may live only in the user-level file or the environment:
repo files get committed, so a key found there is refused.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.config_paths import user_config_path
from agent.errors import DialError

SECRET_KEYS = {"api_key", "anthropic_api_key", "openai_api_key", "token", "github_token"}


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProviderSettings(Section):
    """Settings of one provider (`[providers.anthropic]`, `[providers.openai]`, `[providers.openai-compatible]`)."""

    base_url: str | None = Field(None, description="Endpoint; env ANTHROPIC_BASE_URL / OPENAI_BASE_URL win.")
    api_key: str | None = Field(None, description="Only allowed in the user-level file.")
    timeout_s: float = Field(600.0, description="Read timeout of one request.")
    connect_timeout_s: float = Field(10.0, description="Connect timeout.")
    max_retries: int = Field(4, description="Retries on 429/5xx/dropped connections.")
    record: bool = Field(True, description="Write requests and responses to the run's trajectory.")


class ModelSettings(Section):
    """Which model and its capability overrides."""

    default: str = Field("anthropic:claude-sonnet-4-5", description="provider:model used when --model is absent.")
    capabilities: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per-model overrides of the shipped capability table."
    )


class BudgetSettings(Section):
    """The thinking budget and hard caps."""

    thinking: int = Field(32000, description="Thinking tokens for a whole task (0 = none).")
    reserve_fraction: float = Field(0.25, description="Share of the budget kept for escalation.")
    max_tokens: int | None = Field(None, description="Cap on every billed token (input, cache, output).")
    max_cost_usd: float | None = Field(None, description="Cap on cost, priced from the capability table.")
    refine_difficulty: bool = Field(
        False, description="Before the budget is split, one model call with no thinking rates the task 1-4 and the "
        "rating is blended into the difficulty estimate (a few hundred input tokens; agent.plan.refine)."
    )


class LoopSettings(Section):
    """Limits of the edit-test loop; every retry count is a field, never a literal."""

    max_iterations: int = Field(8, description="Model-edit-test rounds at most.")
    max_turns_per_iteration: int = Field(30, description="Tool-use turns within one round.")
    max_attempts_per_edit: int = Field(3, description="Attempts of one planned edit before giving up on it.")
    flaky_reruns: int = Field(1, description="Reruns of a failing test to flag flakiness.")
    baseline_tests: bool = Field(
        True, description="Run the full suite once before any edit, so tests that already failed and that nothing "
        "ties to the task or the edits do not hold the run back (not in `dial fix`, where they are the task)."
    )
    failure_summary_tokens: int = Field(2000, description="Token limit of the failure summary fed back.")
    map_tokens: int = Field(2048, description="Tokens of repo map in the system prompt.")
    output_tokens_per_call: int = Field(
        8192, description="Output tokens a call may use for its answer, on top of its thinking budget."
    )


class SandboxSettings(Section):
    """How commands run."""

    backend: str | None = Field(None, description="bwrap, unshare, docker, podman, seatbelt (macOS) or none; None = best available.")
    timeout_s: float = Field(600.0, description="Wall-clock limit of one command.")
    memory_mb: int | None = Field(4096, description="Memory limit.")
    env_allow: list[str] = Field(default_factory=list, description="Extra environment variables passed through.")


class TestSettings(Section):
    """How the target repo's tests run."""

    __test__ = False  # not a pytest class
    command: str | None = Field(None, description="Test command; detected when absent.")
    setup_command: str | None = Field(None, description="Installs the repo's dependencies (network on).")


class ToolSettings(Section):
    """What the model's tools may show."""

    secret_globs: list[str] = Field(default_factory=list, description="Extra files the tools refuse to show.")


class IndexSettings(Section):
    """The repo index."""

    exclude: list[str] = Field(default_factory=list, description="Extra globs not to index.")
    max_file_bytes: int = Field(1_000_000, description="Files larger than this are skipped.")


class DialConfig(Section):
    providers: dict[str, ProviderSettings] = Field(default_factory=dict)
    model: ModelSettings = Field(default_factory=ModelSettings)
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    loop: LoopSettings = Field(default_factory=LoopSettings)
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings)
    tests: TestSettings = Field(default_factory=TestSettings)
    tools: ToolSettings = Field(default_factory=ToolSettings)
    index: IndexSettings = Field(default_factory=IndexSettings)

    def provider(self, name: str) -> ProviderSettings:
        return self.providers.get(name) or ProviderSettings()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DialError(f"{path} is not valid TOML: {exc}", f"fix the syntax in {path}") from exc
    except OSError as exc:
        raise DialError(f"cannot read {path}: {exc.strerror}", f"check the permissions of {path}") from exc


def _find_secrets(data: Any, trail: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{trail}.{key}" if trail else str(key)
            if str(key).lower() in SECRET_KEYS and value:
                found.append(where)
            found.extend(_find_secrets(value, where))
    return found


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def repo_config_sources(repo: Path) -> list[tuple[Path, dict[str, Any]]]:
    """The repo's own config tables, in merge order."""
    sources: list[tuple[Path, dict[str, Any]]] = []
    pyproject = repo / "pyproject.toml"
    if pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {}).get("dial")
        if isinstance(table, dict):
            sources.append((pyproject, table))
    dotfile = repo / ".dial.toml"
    if dotfile.is_file():
        sources.append((dotfile, _read_toml(dotfile)))
    return sources


def load_config(repo: Path | None = None, user_file: Path | None = None) -> DialConfig:
    """Merge user-level and repo config; refuse keys stored inside the repo."""
    merged: dict[str, Any] = {}
    user_path = user_file or user_config_path()
    if user_path.is_file():
        merged = _merge(merged, _read_toml(user_path))
    for path, table in repo_config_sources(repo) if repo else []:
        secrets = _find_secrets(table)
        if secrets:
            raise DialError(
                f"{path} holds a secret ({', '.join(secrets)}); files inside the repo get committed",
                f"remove it there and set it in the environment (e.g. ANTHROPIC_API_KEY) or in {user_config_path()}",
            )
        merged = _merge(merged, table)
    try:
        return DialConfig.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DialError(
            f"invalid dial configuration at '{where}': {first['msg']}",
            "correct or remove that key (see README, Configuration)",
        ) from exc

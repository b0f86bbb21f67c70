"""The example `.dial.toml` in the README is valid config: every key it shows exists, with the documented type."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from agent.config import DialConfig

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readmes_example_config_loads() -> None:
    blocks = re.findall(r"```toml\n(# \.dial\.toml.*?)```", README.read_text(), re.S)
    assert len(blocks) == 1, "the README shows one example .dial.toml"
    config = DialConfig.model_validate(tomllib.loads(blocks[0]))
    assert config.budget.refine_difficulty is False and config.budget.reserve_fraction == 0.25

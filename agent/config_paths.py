"""Where dial's configuration lives, without loading the config machinery (pydantic costs ~0.15 s).

Commands that only need to know *whether* any config exists (the fast index path) ask here.
"""

from __future__ import annotations

import os
from pathlib import Path


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "dial" / "config.toml"


def config_sources_exist(repo: Path) -> bool:
    """True when the user file, `.dial.toml` or a `[tool.dial]` table may exist (unreadable counts as yes)."""
    if user_config_path().is_file() or (repo / ".dial.toml").is_file():
        return True
    pyproject = repo / "pyproject.toml"
    try:
        return pyproject.is_file() and "tool.dial" in pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True

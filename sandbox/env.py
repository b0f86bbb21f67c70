"""The environment a sandboxed command sees: cleared, then an allow-list.

API keys and tokens must never reach a target repo's tests (they run code dial did not write), so
secret-shaped names are refused even when configuration or a caller asks for them.
"""

from __future__ import annotations

import fnmatch
import os
from typing import Iterable, Mapping

BASE_ALLOW = ("PATH", "LANG", "LANGUAGE", "TERM", "TZ", "VIRTUAL_ENV", "LC_*")
PYTHON_SAFE = (
    "PYTHONPATH",
    "PYTHONHASHSEED",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONUNBUFFERED",
    "PYTHONIOENCODING",
    "PYTHONUTF8",
    "PYTHONWARNINGS",
    "PYTHONFAULTHANDLER",
    "PYTHONDEVMODE",
)
SECRET_PATTERNS = ("*_API_KEY", "*_TOKEN", "GITHUB_TOKEN", "*SECRET*", "*PASSWORD*", "*_KEY", "*CREDENTIAL*")
# Pagers and prompts would hang a command nobody is watching.
FIXED = {"PAGER": "cat", "GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0", "CI": "1"}


def is_secret_name(name: str) -> bool:
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, pat) for pat in SECRET_PATTERNS)


def build_env(
    home: str,
    env_allow: Iterable[str] = (),
    extra: Mapping[str, str] | None = None,
    source: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], list[str]]:
    """The child's environment and warnings about names that were refused as secrets."""
    src = os.environ if source is None else source
    patterns = [*BASE_ALLOW, *PYTHON_SAFE, *env_allow]
    warnings: list[str] = []
    out: dict[str, str] = {}
    for name, value in src.items():
        if any(fnmatch.fnmatchcase(name, pat) for pat in patterns):
            if is_secret_name(name):
                if name in env_allow:
                    warnings.append(f"{name} looks like a secret and was not passed to the sandbox")
                continue
            out[name] = value
    out.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    out.setdefault("LANG", "C.UTF-8")
    out.update(FIXED)
    for name, value in (extra or {}).items():
        if is_secret_name(name):
            warnings.append(f"{name} looks like a secret and was not passed to the sandbox")
            continue
        out[name] = value
    out["HOME"] = home
    return out, warnings

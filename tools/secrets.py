"""Keep credentials out of the model's view: refuse secret-looking files, redact key-shaped strings.

Text in a repository (or an issue) can try to steer the model into printing a key; redacting every
tool output and refusing credential files means there is nothing to print.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import PurePosixPath
from typing import Sequence

DEFAULT_SECRET_GLOBS: tuple[str, ...] = (
    ".env",
    ".env.*",
    "*.env",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.crt",
    "*.cer",
    "*.der",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "*credentials*",
    "*secret*.json",
    "*.netrc",
    ".netrc",
    ".pypirc",
    ".npmrc",
    ".git-credentials",
    "*.kdbx",
)
# Files that end in these are documentation/examples of env files, safe to show.
_SAFE_SUFFIXES = (".env.example", ".env.sample", ".env.template", ".env.dist")

_PATTERNS: list[re.Pattern[str]] = [
    re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S),
    re.compile(r"sk-ant-[A-Za-z0-9_\-]{16,}"),
    re.compile(r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}"),
    re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}"),
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{40,}"),
    re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}"),
    re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),
    re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}"),
    re.compile(r"\bhf_[A-Za-z0-9]{30,}"),
    re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"),
    re.compile(r"\bpypi-[A-Za-z0-9_\-]{50,}"),
    re.compile(r"\b(?:sk|rk)_live_[A-Za-z0-9]{20,}"),
    re.compile(r"(?i)(aws_secret_access_key\s*[=:]\s*)['\"]?[A-Za-z0-9/+=]{40}['\"]?"),
]
REDACTED = "[REDACTED]"


def redact(text: str) -> str:
    """Replace every key-shaped string; keeps a leading `name=` so the model still sees the shape."""
    for pattern in _PATTERNS:
        if pattern.groups:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


class SecretPolicy:
    """Decides whether a repository path may be shown to the model at all."""

    def __init__(self, extra_globs: Sequence[str] = ()) -> None:
        self.globs = tuple(DEFAULT_SECRET_GLOBS) + tuple(extra_globs)

    def is_secret(self, rel_path: str) -> bool:
        posix = PurePosixPath(rel_path.replace("\\", "/"))
        name = posix.name.lower()
        if name.endswith(_SAFE_SUFFIXES):
            return False
        full = str(posix).lower()
        for glob in self.globs:
            g = glob.lower()
            if fnmatch.fnmatchcase(name, g) or fnmatch.fnmatchcase(full, g):
                return True
        return False

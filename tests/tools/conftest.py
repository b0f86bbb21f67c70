"""A minimal local SandboxLike: runs the command as a plain subprocess (the real sandbox is tested elsewhere)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Sequence

import pytest

from sandbox.base import CommandResult, Limits


class LocalSandbox:
    name = "local-test"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def run(self, argv: Sequence[str], *, cwd: Path, limits: Limits | None = None, network: bool = False,
            env: Mapping[str, str] | None = None) -> CommandResult:
        self.calls.append(list(argv))
        limits = limits or Limits(timeout_s=60)
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd), "LANG": "C.UTF-8"}
        full_env.update(env or {})
        try:
            proc = subprocess.run(list(argv), cwd=cwd, env=full_env, capture_output=True, timeout=limits.timeout_s)
        except subprocess.TimeoutExpired as exc:
            out = (exc.stdout or b"") + (exc.stderr or b"")
            return CommandResult(self.name, None, True, True, out.decode("utf-8", "replace"), len(out))
        out = proc.stdout + proc.stderr
        return CommandResult(self.name, proc.returncode, False, False, out.decode("utf-8", "replace"), len(out))


@pytest.fixture
def local_sandbox() -> LocalSandbox:
    return LocalSandbox()


@pytest.fixture
def python() -> str:
    return sys.executable

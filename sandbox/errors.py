"""The sandbox's one user-facing error. It mirrors `agent.errors.DialError` (problem + fix) without importing
anything above the sandbox, so the layering stays one-way; the CLI prints both the same way."""

from __future__ import annotations


class SandboxError(Exception):
    """A sandbox backend that was asked for cannot be used here. `fix` says what to do."""

    exit_code = 2

    def __init__(self, problem: str, fix: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix

    def render(self) -> str:
        text = f"dial: error: {self.problem}"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text

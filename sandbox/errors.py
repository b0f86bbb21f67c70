"""User-facing errors: a problem the user can act on, and the fix.

`UserError` lives here, in the lowest layer, so the sandbox can raise one without importing anything above it;
`agent.errors.DialError` builds on it, and the CLI prints every `UserError` the same way (two lines, no traceback).
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can act on. `fix` says what to do about it."""

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


class SandboxError(UserError):
    """A sandbox backend that was asked for cannot be used here."""

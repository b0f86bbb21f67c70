"""User-facing errors: every failure a user can cause names the problem and the fix.

The CLI catches `DialError` and prints it as two lines (problem, fix) with a non-zero exit code,
never a traceback. Parts below the CLI raise it (or a subclass) for bad input they detect.
"""

from __future__ import annotations


class DialError(Exception):
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

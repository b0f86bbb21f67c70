"""User-facing errors: every failure a user can cause names the problem and the fix.

The CLI catches `UserError` (of which `DialError` is the agent's kind) and prints it as two lines (problem, fix)
with a non-zero exit code, never a traceback. Parts below the CLI raise it for bad input they detect.
"""

from __future__ import annotations

from sandbox.errors import UserError


class DialError(UserError):
    """A problem the user can act on. `fix` says what to do about it."""

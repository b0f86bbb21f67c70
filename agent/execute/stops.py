"""Why a run stopped, as exceptions that carry what happened (mini-swe-agent style).

The loop raises one of these from wherever the stop is detected; the runner catches it once, turns it
into the report's `status` and `remaining`, and saves the run in `finally`. No flag threading.
"""

from __future__ import annotations


class Stop(Exception):
    """A run ends here. `status` is the report status; `remaining` says what is left to do."""

    status = "error"

    def __init__(self, reason: str, remaining: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.remaining = remaining or reason


class Passed(Stop):
    status = "passed"


class BudgetExhausted(Stop):
    """A hard cap (tokens or cost) would be crossed by the next call, so the call was not made."""

    status = "budget_exhausted"


class MaxIterations(Stop):
    status = "max_iterations"


class NoProgress(Stop):
    """The same failure signature came back after an escalated attempt."""

    status = "no_progress"


class Failed(Stop):
    """Tests still fail and there is nothing left to try (every involved edit used its attempts)."""

    status = "failed"


STATUSES = ("passed", "failed", "budget_exhausted", "no_progress", "max_iterations", "error")

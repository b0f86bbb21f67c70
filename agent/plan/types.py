"""The planner's data: what a task gives, the ranked sites, the planned edits and their budgets.

Plain dataclasses so the loop, the report and `dial plan --json` all read the same objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TaskInput:
    """What the user gives: free text, raw failing-test output, paths from `git diff`, failing test ids."""

    text: str
    failures: str = ""
    diff_paths: list[str] = field(default_factory=list)
    failing_tests: list[str] = field(default_factory=list)


@dataclass
class Site:
    """A candidate edit site: one symbol's line span, with the signals that put it there."""

    path: str
    symbol: str
    start_line: int
    end_line: int
    score: float
    why: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "symbol": self.symbol,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "score": round(self.score, 4),
            "why": list(self.why),
        }


@dataclass
class PlannedEdit:
    """One edit the loop works on, with its difficulty and the thinking tokens planned for its first attempt."""

    id: str
    path: str
    symbol: str
    start_line: int
    end_line: int
    difficulty: float
    thinking_budget: int
    signals: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path,
            "symbol": self.symbol,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "difficulty": round(self.difficulty, 4),
            "thinking_budget": self.thinking_budget,
            "signals": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.signals.items()},
        }


@dataclass
class Plan:
    """Sites ranked best first, the planned edits, the task's difficulty and the thinking budget split."""

    sites: list[Site]
    edits: list[PlannedEdit]
    difficulty: float
    budget: int
    reserve: int
    model: str = ""
    task_signals: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    worst_case_cost_usd: float | None = None
    worst_case: dict[str, Any] = field(default_factory=dict)

    def planned_total(self) -> int:
        """Thinking tokens planned for the first attempt of every edit (the reserve not included)."""
        return sum(e.thinking_budget for e in self.edits)

    def edit(self, edit_id: str) -> PlannedEdit:
        for e in self.edits:
            if e.id == edit_id:
                return e
        raise KeyError(edit_id)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "sites": [s.to_json() for s in self.sites],
            "edits": [e.to_json() for e in self.edits],
            "difficulty": round(self.difficulty, 4),
            "budget": self.budget,
            "reserve": self.reserve,
            "planned_thinking": self.planned_total(),
            "task_signals": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in self.task_signals.items()},
            "notes": list(self.notes),
        }
        if self.model:
            out["model"] = self.model
        if self.worst_case_cost_usd is not None:
            out["worst_case_cost_usd"] = round(self.worst_case_cost_usd, 4)
            out["worst_case"] = dict(self.worst_case)
        return out

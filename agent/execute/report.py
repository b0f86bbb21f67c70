"""The run's result: what `--json` prints, what report.json holds, and what the screen summarises.

One object, built as the loop goes, so Ctrl-C or a crash still leaves a truthful report of what happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.models.types import Usage


@dataclass
class EditRecord:
    """One planned edit as the report shows it: planned thinking against what its attempts spent."""

    id: str
    path: str
    symbol: str
    difficulty: float
    planned_thinking: int
    attempts: int = 0
    spent: Usage = field(default_factory=Usage)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "symbol": self.symbol,
            "difficulty": round(self.difficulty, 4),
            "planned_thinking": self.planned_thinking,
            "attempts": self.attempts,
            "spent": self.spent.as_dict(),
        }


@dataclass
class TestsRecord:
    __test__ = False  # not a pytest class
    command: str = ""
    passed: bool | None = None
    failed: list[str] = field(default_factory=list)
    selected: list[str] | None = None
    full_suite_run: bool = False
    failing_before: list[str] = field(default_factory=list)  # the full suite before any edit (baseline)
    unrelated: list[str] = field(default_factory=list)  # failing before and now, tied to nothing in the task

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "passed": self.passed,
            "failed": list(self.failed),
            "selected": list(self.selected) if self.selected is not None else None,
            "full_suite_run": self.full_suite_run,
            "failing_before": list(self.failing_before),
            "unrelated": list(self.unrelated),
        }


@dataclass
class RunReport:
    status: str = "error"
    run_id: str = ""
    branch: str = ""
    diff: str = ""
    edits: list[EditRecord] = field(default_factory=list)
    planned_thinking: int = 0
    spent: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    iterations: int = 0
    tests: TestsRecord = field(default_factory=TestsRecord)
    remaining: str = ""
    tried: list[str] = field(default_factory=list)
    applied: bool = False
    run_dir: str = ""

    def edit(self, edit_id: str) -> EditRecord:
        for e in self.edits:
            if e.id == edit_id:
                return e
        raise KeyError(edit_id)

    def to_json(self) -> dict[str, Any]:
        """The `--json` object: exactly the documented keys."""
        return {
            "status": self.status,
            "run_id": self.run_id,
            "branch": self.branch,
            "diff": self.diff,
            "edits": [e.to_json() for e in self.edits],
            "planned": {"thinking": self.planned_thinking},
            "spent": self.spent.as_dict(),
            "cost_usd": round(self.cost_usd, 6),
            "iterations": self.iterations,
            "tests": self.tests.to_json(),
            "remaining": self.remaining,
            "tried": list(self.tried),
            "applied": self.applied,
        }

    def summary_lines(self) -> list[str]:
        """Plain-text summary printed at the end of a run (terminal or pipe)."""
        s = self.spent
        lines = [
            f"status: {self.status}   run: {self.run_id}   branch: {self.branch}",
            f"tests: {self._tests_line()}",
            f"thinking: planned {self.planned_thinking}, spent {s.thinking_tokens}"
            f"{' (estimated)' if s.thinking_estimated else ''}",
            f"tokens: input {s.input_tokens}, output {s.output_tokens}, cache read {s.cache_read_tokens}, "
            f"cache write {s.cache_write_tokens}   cost ${self.cost_usd:.4f}   iterations {self.iterations}",
        ]
        for e in self.edits:
            lines.append(
                f"  {e.path}:{e.symbol}  difficulty {e.difficulty:.2f}  planned {e.planned_thinking}  "
                f"attempts {e.attempts}  thinking {e.spent.thinking_tokens}  output {e.spent.output_tokens}"
            )
        if self.remaining and self.status != "passed":
            lines.append(f"left to do: {self.remaining}")
        return lines

    def _tests_line(self) -> str:
        t = self.tests
        if t.passed is None:
            return f"not run ({t.command or 'no test command'})"
        state = "passed" if t.passed else f"{len(t.failed)} failing"
        scope = "full suite" if t.full_suite_run else "selected tests"
        old = f"; {len(t.unrelated)} of them failing before any edit, unrelated" if t.unrelated and not t.passed else ""
        return f"{state} ({scope}; {t.command}){old}"

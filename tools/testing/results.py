"""Test results as data: one `TestCase` per test, a `TestRun` per command, a stable failure signature."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

FAILING = ("failed", "error")


@dataclass
class TestCase:
    __test__ = False  # not a pytest test class
    nodeid: str
    outcome: str  # passed, failed, error, skipped, xfail, xpass
    path: str | None = None
    line: int | None = None
    message: str = ""
    traceback: str = ""
    frames: list[dict] = field(default_factory=list)  # {"path", "line", "message"} innermost last


@dataclass
class TestCommand:
    __test__ = False  # not a pytest test class
    argv: list[str]
    framework: str  # pytest, unittest, npm, go, cargo, make, custom


@dataclass
class TestRun:
    __test__ = False  # not a pytest test class
    passed: bool
    cases: list[TestCase]
    exit_code: int | None
    output: str
    command: list[str]
    selected: list[str] | None = None
    flaky: list[str] = field(default_factory=list)
    timed_out: bool = False
    backend: str = ""

    @property
    def failed(self) -> list[TestCase]:
        return [c for c in self.cases if c.outcome in FAILING and c.nodeid not in self.flaky]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.cases:
            out[c.outcome] = out.get(c.outcome, 0) + 1
        return out

    def signature(self) -> str:
        """Same failures with the same assertions -> same signature; used to detect a loop making no progress."""
        parts = sorted(f"{c.nodeid}|{(c.message or '').strip().splitlines()[0] if c.message.strip() else ''}" for c in self.failed)
        if not parts and not self.passed:
            parts = [f"exit={self.exit_code}|timeout={self.timed_out}|{self.output.strip()[-200:]}"]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]

    def headline(self) -> str:
        counts = self.counts()
        bits = [f"{n} {k}" for k, n in sorted(counts.items())] or ["no test results parsed"]
        state = "PASSED" if self.passed else ("TIMED OUT" if self.timed_out else "FAILED")
        flaky = f"; flaky (failed, then passed on rerun): {', '.join(self.flaky)}" if self.flaky else ""
        return f"Tests {state} (exit code {self.exit_code}): {', '.join(bits)}{flaky}"

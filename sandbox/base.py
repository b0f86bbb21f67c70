"""The Sandbox protocol and the data every backend returns.

Results are data, never exceptions: a timeout, a kill or a huge output is reported in the
`CommandResult` so the caller (the test runner, the model's shell tool) can describe it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Protocol, Sequence


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 600.0
    cpu_s: int | None = 900
    memory_mb: int | None = 4096
    file_size_mb: int | None = 1024
    max_procs: int | None = 512
    output_head_bytes: int = 64 * 1024
    output_tail_bytes: int = 64 * 1024


@dataclass
class CommandResult:
    backend: str
    exit_code: int | None
    timed_out: bool
    killed: bool
    output: str  # head and tail of stdout+stderr, with a marker saying how much was cut
    output_bytes: int  # bytes the command actually wrote
    duration_s: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and not self.killed

    def as_dict(self) -> dict:
        return {
            "backend": self.backend,
            "exit_code": self.exit_code,
            "timed_out": self.timed_out,
            "killed": self.killed,
            "output": self.output,
            "output_bytes": self.output_bytes,
        }


class Sandbox(Protocol):
    """Runs one command in isolation under `limits`; `network` is off unless asked for."""

    name: str

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        limits: Limits | None = None,
        network: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> CommandResult: ...

"""What the user sees while a run goes: a rich live panel on a terminal, plain lines when piped.

The loop only calls `phase`, `note` and `refresh`; it knows nothing of the screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Protocol

from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text


@dataclass
class RunState:
    """The numbers the live view shows."""

    phase: str = "starting"
    edit: str = ""
    thinking_spent: int = 0
    thinking_budget: int = 0
    tokens_spent: int = 0
    max_tokens: int | None = None
    cost_usd: float = 0.0
    max_cost_usd: float | None = None
    tests: str = "not run"
    iteration: int = 0
    said: str = ""  # the tail of the model's streamed answer


class View(Protocol):
    def phase(self, state: RunState, text: str) -> None: ...

    def note(self, state: RunState, text: str) -> None: ...

    def refresh(self, state: RunState) -> None: ...

    def close(self) -> None: ...


class NullView:
    """For library callers and tests that want no output."""

    def phase(self, state: RunState, text: str) -> None: ...

    def note(self, state: RunState, text: str) -> None: ...

    def refresh(self, state: RunState) -> None: ...

    def close(self) -> None: ...


class PlainView:
    """One line per phase change and note: readable in CI logs and pipes."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def _write(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def phase(self, state: RunState, text: str) -> None:
        self._write(f"[{state.phase}] {text}  ({_budget_text(state)})")

    def note(self, state: RunState, text: str) -> None:
        self._write(f"  {text}")

    def refresh(self, state: RunState) -> None: ...

    def close(self) -> None: ...


class LiveView:
    """A rich live panel: phase, current edit, spend against budget as bars, test status, recent notes."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.notes: list[str] = []
        self.live = Live(console=console, refresh_per_second=8, transient=False)
        self.live.start()

    def phase(self, state: RunState, text: str) -> None:
        self.notes.append(f"[{state.phase}] {text}")
        self.refresh(state)

    def note(self, state: RunState, text: str) -> None:
        self.notes.append(f"  {text}")
        self.refresh(state)

    def refresh(self, state: RunState) -> None:
        table = Table.grid(padding=(0, 1))
        table.add_row("phase", Text(state.phase, style="bold"))
        table.add_row("edit", state.edit or "-")
        table.add_row("thinking", _bar(state.thinking_spent, state.thinking_budget),
                      f"{state.thinking_spent}/{state.thinking_budget}")
        if state.max_tokens:
            table.add_row("tokens", _bar(state.tokens_spent, state.max_tokens), f"{state.tokens_spent}/{state.max_tokens}")
        else:
            table.add_row("tokens", str(state.tokens_spent))
        cost = f"${state.cost_usd:.4f}" + (f" / ${state.max_cost_usd:.2f}" if state.max_cost_usd else "")
        table.add_row("cost", cost)
        table.add_row("tests", state.tests)
        if state.said:
            table.add_row("model", Text(state.said[-70:], style="italic"))
        self.live.update(Group(table, Text("\n".join(self.notes[-8:]), style="dim")))

    def close(self) -> None:
        self.live.stop()


def _bar(done: int, total: int) -> ProgressBar:
    return ProgressBar(total=max(total, 1), completed=min(done, max(total, 1)), width=30)


def _budget_text(state: RunState) -> str:
    tokens = f"tokens {state.tokens_spent}" + (f"/{state.max_tokens}" if state.max_tokens else "")
    return f"thinking {state.thinking_spent}/{state.thinking_budget}, {tokens}, ${state.cost_usd:.4f}"


def make_view(stream: IO[str], *, quiet: bool = False) -> View:
    """Live panel when `stream` is a terminal, plain lines otherwise; nothing when quiet."""
    if quiet:
        return NullView()
    if stream.isatty():
        return LiveView(Console(file=stream))
    return PlainView(stream)

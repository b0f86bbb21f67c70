"""The screen: a live panel on a terminal, plain lines in a pipe, both showing spend against the budget."""

from __future__ import annotations

import io

from agent.execute.view import LiveView, PlainView, RunState, make_view


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_pipe_gets_plain_lines_with_spend_against_budget() -> None:
    out = io.StringIO()
    view = make_view(out)
    assert isinstance(view, PlainView)
    state = RunState(phase="edit", thinking_spent=1200, thinking_budget=32000, tokens_spent=5000, max_tokens=90000)
    view.phase(state, "e1 shop/tax.py:add_tax")
    view.note(state, "str_replace_based_edit_tool path=shop/tax.py")
    assert out.getvalue().splitlines() == [
        "[edit] e1 shop/tax.py:add_tax  (thinking 1200/32000, tokens 5000/90000, $0.0000)",
        "  str_replace_based_edit_tool path=shop/tax.py",
    ]


def test_terminal_gets_a_live_panel_with_phase_edit_bars_and_tests() -> None:
    term = Terminal()
    view = make_view(term)
    assert isinstance(view, LiveView)
    state = RunState(phase="test", edit="e2 shop/money.py:to_cents", thinking_spent=8000, thinking_budget=32000,
                     tokens_spent=40000, max_tokens=100000, cost_usd=0.21, max_cost_usd=1.0, tests="1 failing",
                     said="Fixing shop/money.py.")
    view.phase(state, "1 failing (selected)")
    view.close()
    text = term.getvalue()
    for shown in ("test", "e2 shop/money.py:to_cents", "8000/32000", "40000/100000", "$0.2100 / $1.00", "1 failing",
                  "Fixing shop/money.py."):
        assert shown in text, shown
    assert "━" in text  # the bars

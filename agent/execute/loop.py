"""The loop: plan, edit each planned site in a tool-use turn, test, escalate, repeat. Small on purpose.

Stops are exceptions (agent.execute.stops) raised where they are detected; `Runner.run` turns them into the
report and always saves the run in `finally`. The thinking configuration is fixed for a whole tool-use turn
and changes only at edit boundaries (a change invalidates the cached messages); it may only drop mid-turn,
when the task's thinking budget runs out. Every call is checked against the hard caps before it is made.
"""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass
from typing import Any

from agent.errors import DialError
from agent.execute import stops
from agent.execute.context import trim_to_fit
from agent.execute.ledger import Ledger
from agent.execute.parts import RunParts
from agent.execute.report import EditRecord, RunReport
from agent.execute.view import RunState
from agent.models.types import Message, ModelRequest, TextBlock, ToolResultBlock


@dataclass
class RunLimits:
    """The run's budget and caps, after flags have overridden config."""

    budget: int
    max_tokens: int | None = None
    max_cost_usd: float | None = None
    max_iterations: int = 8
    refine_difficulty: bool = False  # one model call with no thinking refines the difficulty (agent.plan.refine)


class Runner:
    """One run of the loop over `RunParts` (config, workspace, index, model, tools, sandbox, tests)."""

    def __init__(self, parts: RunParts, task: Any, limits: RunLimits) -> None:
        self.p = parts
        self.task = task
        self.limits = limits
        self.loop = parts.config.loop
        self.ledger = Ledger(parts.caps, max_tokens=limits.max_tokens, max_cost_usd=limits.max_cost_usd,
                             thinking_budget=limits.budget)
        self.report = RunReport(run_id=parts.workspace.run_id, branch=parts.workspace.branch,
                                run_dir=str(parts.workspace.run_dir))
        self.report.tests.command = shlex.join(parts.test_command.argv) if parts.test_command else ""
        self.state = RunState(thinking_budget=limits.budget, max_tokens=limits.max_tokens,
                              max_cost_usd=limits.max_cost_usd)
        self.messages: list[Message] = []
        self.system = ""
        self.plan: Any = None
        self.allocator: Any = None
        self.interrupted = False
        self._open_turn_thinking: int | None = None  # set while a tool turn was cut off mid-way

    # --- the run ------------------------------------------------------------------------------------
    def run(self) -> RunReport:
        try:
            self._plan()
            self._baseline()
            self._edit_all()
            self._verify()
        except stops.BudgetExhausted as stop:
            self._finish(stop.status, self._untouched(stop.remaining))
        except stops.Stop as stop:
            self._finish(stop.status, stop.remaining)
        except KeyboardInterrupt:
            self.interrupted = True
            self._finish("error", self._untouched("interrupted by the user (Ctrl-C) before the tests passed"))
        except DialError as err:
            self._finish("error", self._untouched(f"{err.problem}" + (f" ({err.fix})" if err.fix else "")))
        except Exception as exc:  # noqa: BLE001 - an unexpected failure still leaves a saved, truthful run
            self._finish("error", f"unexpected error: {type(exc).__name__}: {exc}")
        finally:
            self.p.save(self)
        return self.report

    def _untouched(self, why: str) -> str:
        """`why`, plus the planned edits not started yet and the tests last seen failing."""
        parts = [why]
        todo = [f"{e.id} {e.path}:{e.symbol}" for e in self.report.edits if e.attempts == 0]
        if todo:
            parts.append(f"edits not started: {', '.join(todo)}")
        if self.report.tests.failed:
            parts.append(f"still failing: {', '.join(self.report.tests.failed[:10])}")
        elif self.report.tests.passed is None:
            parts.append("tests not run yet")
        return "; ".join(parts)

    def _finish(self, status: str, remaining: str) -> None:
        self.report.status = status
        self.report.remaining = "" if status == "passed" else remaining
        self._phase("done", f"{status}" + (f": {remaining}" if status != "passed" else ""))

    # --- 1. plan ------------------------------------------------------------------------------------
    def _plan(self) -> None:
        self._phase("plan", "localising the task and splitting the thinking budget")
        self.plan = self.p.make_plan(self.task, self.limits)
        if self.limits.refine_difficulty and self.plan.edits:
            self._refine_difficulty()
        self.allocator = self.p.make_allocator(self.plan)
        self.p.save_plan(self.plan)
        for e in self.plan.edits:
            self.report.edits.append(EditRecord(e.id, e.path, e.symbol, e.difficulty, e.thinking_budget))
        self.report.planned_thinking = self.plan.planned_total()
        worst = self.plan.worst_case_cost_usd
        self._note(f"{len(self.plan.edits)} edit(s), difficulty {self.plan.difficulty:.2f}, thinking planned "
                   f"{self.plan.planned_total()} + reserve {self.plan.reserve}"
                   + (f", worst case ${worst:.2f}" if worst is not None else ""))
        if not self.plan.edits:
            raise stops.Failed("the planner found no edit site for this task",
                               "no site located: name the file or function in the task, or check `dial plan`")
        self.system = self.p.system_prompt(self.task)
        self._say(self.p.prompts.render(
            "plan", task=self.task.text, failures=self.task.failures,
            sites=self.plan.sites[:10], edits=self.plan.edits))

    def _refine_difficulty(self) -> None:
        """One call with no thinking rates the task 1-4; the rating is blended in and the budget split again
        (agent.plan.refine). A failed or unreadable answer keeps the formula's estimate."""
        from agent.plan.refine import parse_rating, rating_request

        request = rating_request(self.p.prompts.render, self.task.text, self.task.failures, self.plan.sites)
        self.ledger.check(request, "difficulty rating")
        try:
            response = self.p.model.complete(request)
        except DialError as err:
            self.ledger.record_usages(list(getattr(err, "attempts_usage", None) or []), None)
            self._spent()
            self.report.tried.append(f"difficulty rating call failed ({err.problem}): the formula's estimate kept")
            return
        billed = self.ledger.record(response, None)
        self._spent()
        rating = parse_rating(response.message().text())
        spent = f"{billed.total_tokens} tokens billed"
        if rating is None:
            self.report.tried.append(f"difficulty rating call answered no digit 1-4 ({spent}): formula kept")
            return
        before = self.plan.difficulty
        self.plan = self.p.refine_plan(self.plan, rating)
        self.report.tried.append(f"difficulty rating call: {rating} of 4 ({spent}); difficulty {before:.2f} -> "
                                 f"{self.plan.difficulty:.2f}, thinking planned {self.plan.planned_total()}")

    def _baseline(self) -> None:
        """The full suite once before any edit: what already fails is told apart from what the edits break."""
        if not self.p.run_baseline or self.p.test_command is None:
            return
        self._phase("test", "the full suite before any edit (baseline)")
        run = self.p.run_tests(None)
        self.p.baseline = {c.nodeid: c for c in run.failed}
        failed = sorted(self.p.baseline)
        self.report.tests.failing_before = failed
        self.report.tried.append("tests round 0, before any edit: " + (
            "the full suite passed" if run.passed else
            f"{len(failed)} failing" + (f": {', '.join(failed[:5])}" if failed else f" (exit {run.exit_code})")))

    # --- 2. edit each planned site --------------------------------------------------------------------
    def _edit_all(self) -> None:
        self.report.iterations = 1
        for number, edit in enumerate(self.plan.edits, start=1):
            record = self.report.edit(edit.id)
            record.attempts = 1
            thinking = self.allocator.budget_for(edit.id, 1)
            self.state.edit = f"{edit.id} {edit.path}:{edit.symbol}"
            self._phase("edit", f"{edit.id} {edit.path}:{edit.symbol} (difficulty {edit.difficulty:.2f}, "
                                f"thinking {thinking})")
            why = ", ".join(self.plan.sites[edit.signals.get("site_rank", 1) - 1].why) if self.plan.sites else ""
            self._say(self.p.prompts.render(
                "edit", edit=edit, number=number, total=len(self.plan.edits), why=why or "ranked by the planner",
                level=_level(edit.difficulty), thinking=self.ledger.thinking_for_call(thinking),
                code=self.p.excerpt(edit)))
            self._attempt(edit, 1, thinking)

    # --- 3. test, attribute, escalate, repair ----------------------------------------------------------
    def _verify(self) -> None:
        if self.p.test_command is None:
            raise stops.Failed("no test command", "no test command was found: pass --test-cmd to check the edits")
        last_signature: str | None = None
        while True:
            run = self._without(self._run_tests(), self.report.tests.unrelated)
            signature = run.signature()
            if last_signature is not None and signature == last_signature:
                raise stops.NoProgress(
                    "the same failures came back after an escalated attempt",
                    self._left(run, "the same failures came back after an escalated attempt"))
            if self.report.iterations >= self.limits.max_iterations:
                raise stops.MaxIterations("iteration limit reached",
                                          self._left(run, f"--max-iterations {self.limits.max_iterations} reached"))
            edit, attempt = self._escalate(run)
            self.report.iterations += 1
            self.state.iteration = self.report.iterations
            summary = self.p.summarize(run, self.loop.failure_summary_tokens)
            thinking = self.allocator.budget_for(edit.id, attempt)
            self._phase("repair", f"{edit.id} {edit.path}:{edit.symbol} attempt {attempt}, thinking {thinking}")
            self._say(self.p.prompts.render(
                "repair", iteration=self.report.iterations, selected=run.selected or [], summary=summary,
                edit=edit, attempt=attempt, max_attempts=self.loop.max_attempts_per_edit,
                thinking=self.ledger.thinking_for_call(thinking)))
            self._attempt(edit, attempt, thinking)
            last_signature = signature

    def _run_tests(self) -> Any:
        """Selected tests (plus any known failures); when they pass, the full suite once."""
        selected = self.p.select_tests()
        run = self.p.run_tests(selected)
        self._tests_seen(run, selected, full=selected is None)
        if self._green(run) and selected is not None:
            run = self.p.run_tests(None)
            self._tests_seen(run, None, full=True)
        if self._green(run):
            raise stops.Passed("tests pass")
        return run

    def _green(self, run: Any) -> bool:
        """Passed, or every failure already failed before any edit and nothing ties it to the task or the edits."""
        if run.passed:
            self.report.tests.unrelated = []
            return True
        failed = {c.nodeid for c in run.failed}
        if not failed or run.timed_out:
            return False
        planned = [(e.path, e.start_line, e.end_line) for e in self.plan.edits]
        unrelated = self.p.unrelated_old_failures(run, self.task, planned)
        self.report.tests.unrelated = sorted(unrelated)
        if failed <= unrelated:
            self.report.tried.append(f"{len(failed)} failing test(s) failed before any edit too and nothing ties "
                                     f"them to the task or the edits, so they do not hold the run back: "
                                     f"{', '.join(sorted(failed)[:5])}")
            return True
        return False

    @staticmethod
    def _without(run: Any, nodeids: list[str]) -> Any:
        """`run` without the unrelated old failures: they are not the model's to repair."""
        if not nodeids:
            return run
        skip = set(nodeids)
        return dataclasses.replace(run, cases=[c for c in run.cases if c.nodeid not in skip])

    def _tests_seen(self, run: Any, selected: list[str] | None, full: bool) -> None:
        t = self.report.tests
        failed = failed_ids(run)
        t.passed, t.failed, t.selected = bool(run.passed), failed, selected
        t.full_suite_run = t.full_suite_run or full
        self.p.known_failures.update(f for f in failed if f not in self.p.baseline or f in self.task.failing_tests)
        scope = "full suite" if full else f"{len(selected or [])} selected test file(s)/id(s)"
        state = "passed" if run.passed else (f"{len(failed)} failing" if failed else f"failed (exit {run.exit_code})")
        self.state.tests = f"{state} ({scope})"
        self.report.tried.append(f"tests round {self.report.iterations}: {self.state.tests}"
                                 + (f": {', '.join(failed[:5])}" if failed else ""))
        self._phase("test", self.state.tests)

    def _escalate(self, run: Any) -> tuple[Any, int]:
        """The edit the failures point at that still has attempts left, and its next attempt number."""
        text = (run.output or "") + "\n" + "\n".join(
            f"{c.nodeid} {c.path} {c.traceback} {' '.join(str(f.get('path')) for f in c.frames)}" for c in run.failed)
        def score(e: Any) -> int:
            short = e.symbol.rsplit(".", 1)[-1]
            return 2 * (e.path in text) + (bool(short) and short in text)
        ranked = sorted(self.plan.edits, key=lambda e: -score(e))
        if not any(score(e) for e in ranked):
            ranked = list(reversed(self.plan.edits))  # no trace names a site: the latest edit first
        for edit in ranked:
            record = self.report.edit(edit.id)
            if record.attempts < self.loop.max_attempts_per_edit:
                record.attempts += 1
                return edit, record.attempts
        raise stops.Failed("every edit used its attempts",
                           self._left(run, f"every edit used its {self.loop.max_attempts_per_edit} attempts"))

    def _left(self, run: Any, why: str) -> str:
        failing = ", ".join(failed_ids(run)[:10]) or f"the test command failed (exit {run.exit_code})"
        return f"{why}; still failing: {failing}"

    # --- the tool-use turn ----------------------------------------------------------------------------
    def _tool_turn(self, edit_id: str, wanted: int) -> int:
        """Model calls with tools until the model ends its turn; returns how many calls were made."""
        thinking = self.ledger.thinking_for_call(wanted)
        if self._open_turn_thinking == 0:
            thinking = 0  # a cut tool turn without thinking cannot be continued with thinking
        tools = self.p.toolbox.schemas()
        for call in range(1, self.loop.max_turns_per_iteration + 1):
            if thinking and self.ledger.thinking_left() < thinking:
                thinking = self.ledger.thinking_for_call(self.ledger.thinking_left())  # may only drop mid-turn
                if not thinking:
                    self._say(self.p.prompts.render("note", reason="thinking_spent", limit=0))
            request = ModelRequest(system=self.system, messages=self.messages, tools=tools,
                                   thinking_budget=thinking, max_tokens=self.p.output_tokens_per_call,
                                   on_text=self._streamed)
            limit = self.p.caps.context_window - self.ledger.wire_max_tokens(request)
            if trim_to_fit(self.system, tools, self.messages, limit):
                self._note("trimmed old tool output to stay inside the context window")
            self.ledger.check(request, f"{edit_id} call {call}")
            try:
                response = self.p.model.complete(request)
            except DialError as err:  # a call that failed after retries may still have been billed
                self.ledger.record_usages(list(getattr(err, "attempts_usage", None) or []), edit_id)
                self._spent()
                raise
            billed = self.ledger.record(response, edit_id)
            self.allocator.record_spent(edit_id, billed.thinking_tokens)
            self.report.edit(edit_id).spent = self.ledger.per_edit[edit_id]
            self._spent()
            message = response.message()
            if not message.content:  # an empty assistant message would make every later request invalid
                message.content.append(TextBlock("(no answer)"))
            self.messages.append(message)
            uses = message.tool_uses()
            if not uses:
                self._open_turn_thinking = None
                return call
            results = []
            for use in uses:
                out = self.p.run_tool(use.name, use.input)
                self._note(f"{use.name} {_brief(use.input)}{' -> error' if out.is_error else ''}")
                results.append(ToolResultBlock(use.id, out.text, out.is_error))
            self.messages.append(Message("user", list(results)))
        self._open_turn_thinking = thinking
        self._say(self.p.prompts.render("note", reason="turn_limit", limit=self.loop.max_turns_per_iteration))
        return self.loop.max_turns_per_iteration

    def _attempt(self, edit: Any, attempt: int, thinking: int) -> None:
        """One tool-use turn on `edit`, then one commit of what it changed on dial's branch."""
        before = self.ledger.total.thinking_tokens
        calls = self._tool_turn(edit.id, thinking)
        sha = self.p.commit(f"dial: {edit.id} {edit.path}:{edit.symbol} (attempt {attempt})")
        what = f"commit {sha[:10]}" if sha else "no change"
        self.report.tried.append(f"{edit.id} {edit.path}:{edit.symbol} attempt {attempt}: {calls} call(s), thinking "
                                 f"budget {thinking}, spent {self.ledger.total.thinking_tokens - before} -> {what}")
        self._note(f"{edit.id}: {what}")

    # --- conversation and screen helpers --------------------------------------------------------------
    def _say(self, text: str) -> None:
        """Add user text; merged into a trailing user message (tool results) to keep roles alternating."""
        if self.messages and self.messages[-1].role == "user":
            self.messages[-1].content.append(TextBlock(text))
        else:
            self.messages.append(Message.user(text))

    def _streamed(self, delta: str) -> None:
        """The model's answer as it streams in, for the live view's last line."""
        self.state.said = (self.state.said + delta).replace("\n", " ")[-200:]
        self.p.view.refresh(self.state)

    def _spent(self) -> None:
        s = self.state
        s.thinking_spent, s.tokens_spent = self.ledger.total.thinking_tokens, self.ledger.total.total_tokens
        s.cost_usd = self.ledger.cost
        self.report.spent, self.report.cost_usd = self.ledger.total, self.ledger.cost
        self.p.view.refresh(s)

    def _phase(self, phase: str, text: str) -> None:
        self.state.phase = phase
        self.p.view.phase(self.state, text)

    def _note(self, text: str) -> None:
        self.p.view.note(self.state, text)


def failed_ids(run: Any) -> list[str]:
    return [c.nodeid for c in run.failed]


def _level(difficulty: float) -> str:
    return "easy" if difficulty < 0.34 else "moderate" if difficulty < 0.67 else "hard"


def _brief(args: dict[str, Any]) -> str:
    for key in ("path", "command", "query", "pattern", "symbol"):
        if key in args:
            return f"{key}={str(args[key])[:60]}"
    return ""

"""Everything one run works with, and the small operations the loop asks of it.

The loop (loop.py) stays readable because the details live here: how tests are selected and run, how a
tool call is executed and logged, how an edit is committed and the index refreshed, what the run dir holds.
Tests hand a loopback or scripted model in through `session.execute(options, model_factory=...)`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.config import DialConfig
from agent.errors import DialError
from agent.execute.prompts import Prompts, code_excerpt, repo_instructions
from agent.execute.view import View
from tools.schema import ToolOutput


@dataclass
class RunParts:
    config: DialConfig
    repo: Path  # the user's checkout (never modified by the loop)
    workspace: Any  # agent.worktree.Workspace
    index: Any  # agent.index.RepoIndex over the worktree
    model: Any  # agent.models.types.Model
    caps: Any  # agent.models.capabilities.ModelCapabilities
    toolbox: Any  # tools.Toolbox
    sandbox: Any  # sandbox.base.Sandbox
    test_command: Any  # tools.testing.TestCommand | None
    view: View
    prompts: Prompts = field(default_factory=Prompts)
    known_failures: set[str] = field(default_factory=set)
    test_limits: Any = None
    run_baseline: bool = False  # run the full suite once before any edit (config loop.baseline_tests)
    baseline: dict[str, Any] = field(default_factory=dict)  # node id -> TestCase failing before any edit

    @property
    def root(self) -> Path:
        return Path(self.workspace.path)

    @property
    def run_dir(self) -> Path:
        return Path(self.workspace.run_dir)

    @property
    def output_tokens_per_call(self) -> int:
        return self.config.loop.output_tokens_per_call

    # --- planning -----------------------------------------------------------------------------------
    def make_plan(self, task: Any, limits: Any) -> Any:
        from agent.plan import make_plan

        return make_plan(self.index, task, budget=limits.budget, caps=self.caps,
                         reserve_fraction=self.config.budget.reserve_fraction, repo=self.root,
                         loop=self.config.loop, max_tokens_cap=limits.max_tokens, max_cost_cap=limits.max_cost_usd)

    def refine_plan(self, plan: Any, rating: int) -> Any:
        from agent.plan.refine import apply_rating

        return apply_rating(plan, rating, self.caps, self.config.budget.reserve_fraction)

    def make_allocator(self, plan: Any) -> Any:
        from agent.plan import BudgetAllocator

        return BudgetAllocator(plan, self.caps)

    def save_plan(self, plan: Any) -> None:
        _write_json(self.run_dir / "plan.json", plan.to_json())

    def system_prompt(self, task: Any) -> str:
        """Rendered once per run: it is the cached prefix, so it must not change between calls."""
        repo_map = self.index.repo_map(task.text, self.config.loop.map_tokens).text
        command = " ".join(self.test_command.argv) if self.test_command else ""
        return self.prompts.render("system", repo_name=self.repo.name, instructions=repo_instructions(self.root),
                                   repo_map=repo_map, test_command=command)

    def excerpt(self, edit: Any) -> str:
        return code_excerpt(self.root, edit.path, edit.start_line, edit.end_line)

    # --- tools and commits --------------------------------------------------------------------------
    def run_tool(self, name: str, args: dict[str, Any]) -> ToolOutput:
        """Execute one tool call; a user-facing error becomes an error result the model can act on."""
        try:
            out = self.toolbox.execute(name, args)
        except DialError as err:
            out = ToolOutput(f"{err.problem}" + (f"\nfix: {err.fix}" if err.fix else ""), is_error=True)
        except Exception as exc:  # noqa: BLE001 - a crashing tool is reported to the model, not fatal
            out = ToolOutput(f"the tool {name} failed: {type(exc).__name__}: {exc}", is_error=True)
        self.log("tool_call", name=name, input=args, output=out.text[:4000], is_error=out.is_error)
        return out

    def commit(self, message: str) -> str | None:
        """Commit the edits of one turn on dial's branch and refresh the index for the files they touched."""
        paths = sorted(self.toolbox.edited_paths())
        sha = self.workspace.commit(message)
        if sha:
            changed = paths or list(self.workspace.changed_files())
            self.index.update_files([str(p) for p in changed])
        self.toolbox.clear_edited()
        self.log("commit", message=message, sha=sha, paths=[str(p) for p in paths])
        return sha

    # --- tests --------------------------------------------------------------------------------------
    def select_tests(self) -> list[str] | None:
        """Tests that cover what changed, plus tests seen failing; None means the full suite."""
        from tools.testing import select_tests

        spans = changed_spans(self.workspace.diff())
        selected = list(select_tests(self.index, spans, self.root)) if spans else []
        selected += [t for t in sorted(self.known_failures) if t not in selected]
        return selected or None

    def unrelated_old_failures(self, run: Any, task: Any, planned: list[tuple[str, int, int]]) -> set[str]:
        """Failures of `run` that already failed before any edit and that nothing ties to the task or the edits.

        Tied means: named as a failing test of the task, its test file written in the task, its test reaching
        a planned site or changed code (test -> code edges), or a traceback frame, before or now, inside a
        planned or edited file. A test the user wrote for the bug reaches the code the plan targets, so it
        stays a target even when no edit was made.
        """
        from tools.testing import select_tests

        if not self.baseline:
            return set()
        spans = changed_spans(self.workspace.diff()) + list(planned)
        edited = {path for path, _, _ in spans}
        covering = set(select_tests(self.index, spans, self.root)) if spans else set()
        targets = set(task.failing_tests)
        out: set[str] = set()
        for case in run.failed:
            before = self.baseline.get(case.nodeid)
            if before is None or case.nodeid in targets:
                continue
            test_file = case.nodeid.split("::", 1)[0]
            frames = {str(f.get("path")) for c in (before, case) for f in c.frames} | {str(case.path), str(before.path)}
            if test_file in covering or test_file in task.text or frames & edited:
                continue
            out.add(case.nodeid)
        return out

    def run_tests(self, select: list[str] | None) -> Any:
        from tools.testing import run_tests

        run = run_tests(self.sandbox, self.root, self.test_command, select=select, limits=self.test_limits,
                        reruns=self.config.loop.flaky_reruns)
        self.log("tests", selected=select, passed=run.passed, failed=[c.nodeid for c in run.failed],
                 exit_code=run.exit_code, flaky=list(run.flaky))
        return run

    def summarize(self, run: Any, token_limit: int) -> str:
        from tools.testing import summarize_failures

        return summarize_failures(run, token_limit, self.root)

    # --- the run directory --------------------------------------------------------------------------
    def log(self, kind: str, **data: Any) -> None:
        """Append a loop event to the trajectory (the Recorder writes the model calls to the same file)."""
        path = self.run_dir / "trajectory.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"kind": kind, **data}, default=str, ensure_ascii=False) + "\n")

    def save(self, runner: Any) -> None:
        """Write final.diff and report.json; called from the loop's `finally`, so it must not raise."""
        report = runner.report
        try:
            report.diff = self.workspace.diff()
        except Exception as exc:  # noqa: BLE001 - a broken worktree must not lose the report
            report.diff = ""
            report.remaining = (report.remaining + f"; the diff could not be read: {exc}").strip("; ")
        report.spent, report.cost_usd = runner.ledger.total, runner.ledger.cost
        self.run_dir.mkdir(parents=True, exist_ok=True)
        finish = getattr(self.workspace, "finish", None)
        if finish is not None:
            finish(report.status)
        (self.run_dir / "final.diff").write_text(report.diff, encoding="utf-8")
        _write_json(self.run_dir / "report.json", report.to_json())


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.M)


def changed_spans(diff: str) -> list[tuple[str, int, int]]:
    """(path, first, last) line spans the diff adds or changes in the new files, for test selection."""
    spans: list[tuple[str, int, int]] = []
    path = ""
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = line[4:].strip()
            path = "" if name == "/dev/null" else name[2:] if name.startswith("b/") else name
        elif line.startswith("@@") and path:
            m = _HUNK.match(line)
            if m:
                start, count = int(m.group(1)), int(m.group(2) or 1)
                spans.append((path, max(1, start), max(1, start + max(count, 1) - 1)))
    return spans


DERIVED_CACHES = ("graph.npz", "plan-bm25.npz")  # agent.index.ranking's graph, agent.plan.bm25_cache's models


def seed_index(repo: Path, worktree: Path) -> bool:
    """Copy the checkout's index into the worktree so only files that differ are re-parsed; the caches
    derived from it come along, so the run's plan loads the BM25 models `dial plan` fitted."""
    source = repo / ".dial" / "index.sqlite"
    if not source.is_file():
        return False
    target = worktree / ".dial" / "index.sqlite"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:  # SQLite's backup API copies a consistent snapshot even while another process writes (WAL included)
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, \
                closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
    except sqlite3.Error:
        target.unlink(missing_ok=True)  # an unreadable index is rebuilt from scratch instead
        return False
    for derived in DERIVED_CACHES:  # keyed by the index's generation or content: a stale copy is just refit
        _link_or_copy(source.with_name(derived), target.with_name(derived))
    return True


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link where the file system allows it (the BM25 models are tens of MB a worktree), else a copy.

    Sharing the inode is safe because the caches are only ever replaced whole (written to a temporary file,
    then os.replace): a worktree that refits gets a new file and the checkout's stays as it was."""
    try:
        target.unlink(missing_ok=True)
        os.link(source, target)
    except OSError:
        try:
            shutil.copyfile(source, target)
        except OSError:
            pass  # no cache to share: the run fits its own


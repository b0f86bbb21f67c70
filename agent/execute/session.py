"""Setting a run up: config, dial's worktree, index, sandbox, test command, tools, model; then the loop.

`execute(options)` is what `dial run`, `dial fix`, `dial replay` and `dial demo` call. The model is built
through `model_factory` (default `agent.models.make_model`), so tests hand in a loopback or scripted model
without patching anything.
"""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from agent.config import DialConfig, load_config
from agent.errors import DialError
from agent.execute.loop import RunLimits, Runner
from agent.execute.parts import RunParts, seed_index
from agent.execute.prompts import Prompts
from agent.execute.report import RunReport
from agent.execute.view import NullView, RunState, View


@dataclass
class RunOptions:
    """What the user asked for; None means "take it from config"."""

    task: str = ""
    repo: Path = field(default_factory=Path.cwd)
    model: str | None = None
    budget: int | None = None
    max_cost_usd: float | None = None
    max_tokens: int | None = None
    test_cmd: str | None = None
    max_iterations: int | None = None
    sandbox: str | None = None
    apply: bool = False
    fix: bool = False  # the task is "make the failing tests pass", failures from a first test run
    failures: str = ""
    failing_tests: list[str] = field(default_factory=list)
    capabilities_of: str | None = None  # model whose capabilities apply (a replay uses the recorded model's)
    resume: str | None = None  # run id whose worktree and branch to continue
    refine_difficulty: bool | None = None  # one model call refines the difficulty before the budget split


@dataclass
class RunOutcome:
    report: RunReport
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 0 if self.report.status == "passed" else 1


ModelFactory = Callable[..., Any]


def execute(options: RunOptions, *, view: View | None = None, model_factory: ModelFactory | None = None,
            user_config: Path | None = None) -> RunOutcome:
    """Run the whole loop once; the user's checkout is only touched by `--apply` after tests pass."""
    repo = Path(options.repo).resolve()
    if not repo.is_dir():
        raise DialError(f"{repo} is not a directory", "pass --repo with the path of your project's checkout")
    config = load_config(repo, user_config)
    parts, task, limits = _build(options, repo, config, view or NullView(), model_factory)
    try:
        return _run(parts, task, limits, options, repo)
    finally:
        close = getattr(parts.index, "close", None)
        if close is not None:
            close()


def _run(parts: RunParts, task: Any, limits: RunLimits, options: RunOptions, repo: Path) -> RunOutcome:
    if task is None:  # `dial fix` with nothing failing
        report = RunReport(status="passed", run_id=parts.workspace.run_id, branch=parts.workspace.branch,
                           run_dir=str(parts.run_dir))
        report.tests.command = shlex.join(parts.test_command.argv)
        report.tests.passed, report.tests.full_suite_run = True, True
        report.tried.append("tests round 0: the full suite already passes; nothing to fix")
        _write_report(parts, report)
        parts.workspace.finish("passed")
        return RunOutcome(report)
    runner = Runner(parts, task, limits)
    report = runner.run()
    if options.apply and report.status == "passed" and not runner.interrupted:
        from agent.worktree import apply_run

        try:
            apply_run(repo, report.run_id)
            report.applied = True
        except DialError as err:
            report.remaining = f"tests pass but the result was not applied: {err.problem}"
            raise
        finally:
            _write_report(parts, report)
    return RunOutcome(report, interrupted=runner.interrupted)


def _build(options: RunOptions, repo: Path, config: DialConfig, view: View,
           model_factory: ModelFactory | None) -> tuple[RunParts, Any, RunLimits]:
    from agent.models import Recorder, get_capabilities, make_model
    from agent.worktree import Workspace
    from sandbox import get_sandbox

    name = options.model or config.model.default
    if not name.startswith("replay:") or options.capabilities_of:
        get_capabilities(options.capabilities_of or name, config.model.capabilities)  # bad names fail before setup
    limits = RunLimits(
        budget=config.budget.thinking if options.budget is None else options.budget,
        max_tokens=options.max_tokens if options.max_tokens is not None else config.budget.max_tokens,
        max_cost_usd=options.max_cost_usd if options.max_cost_usd is not None else config.budget.max_cost_usd,
        max_iterations=options.max_iterations or config.loop.max_iterations,
        refine_difficulty=(config.budget.refine_difficulty if options.refine_difficulty is None
                           else options.refine_difficulty),
    )
    _check_limits(limits)
    # Everything that can fail on bad input fails before a worktree is made: test command, model, sandbox.
    command = _test_command(options.test_cmd or config.tests.command, repo)
    recorder = Recorder(Path(os.devnull))  # pointed at the run dir once it exists; nothing is recorded before
    model = (model_factory or make_model)(name, config, recorder=recorder)
    get_sandbox(options.sandbox or config.sandbox.backend)
    ws = Workspace.open(repo, options.resume) if options.resume else Workspace.create(repo)
    recorder.path = Path(ws.run_dir) / "trajectory.jsonl"
    try:
        return _assemble(options, repo, config, view, model, ws, name, limits, command)
    except BaseException:
        ws.finish("error")  # setup failed: let `dial clean` prune the worktree
        raise


def _assemble(options: RunOptions, repo: Path, config: DialConfig, view: View, model: Any,
              ws: Any, name: str, limits: RunLimits, command: Any) -> tuple[RunParts, Any, RunLimits]:
    from agent.index import RepoIndex
    from agent.plan import TaskInput
    from sandbox import get_sandbox
    from sandbox.base import Limits
    from tools.toolbox import Toolbox

    root = Path(ws.path)
    caps = _capabilities(model, options.capabilities_of or name, config)
    seed_index(Path(getattr(getattr(ws, "info", None), "root", repo)), root)
    index = RepoIndex.open(root, config.index)
    index.update(progress=False)  # the run's own view shows progress
    for message in getattr(index, "messages", []):
        view.note(RunState(), f"index: {message}")
    box = get_sandbox(options.sandbox or config.sandbox.backend, writable=[root], env_allow=config.sandbox.env_allow)
    limits_of_tests = Limits(timeout_s=config.sandbox.timeout_s, memory_mb=config.sandbox.memory_mb)
    if config.tests.setup_command:
        _setup(box, root, config.tests.setup_command, limits_of_tests, view)
        left = ws.changed_files()
        if left:
            view.note(RunState(phase="setup"), f"warning: the setup command left {len(left)} file(s) git does not "
                      f"ignore ({', '.join(left[:3])}); they will be part of dial's commits: add them to .gitignore")
    toolbox = Toolbox(root, index=index, sandbox=box, test_command=list(command.argv),
                      secret_globs=config.tools.secret_globs, native_editor=bool(caps.native_text_editor))
    parts = RunParts(config=config, repo=repo, workspace=ws, index=index, model=model, caps=caps, toolbox=toolbox,
                     sandbox=box, test_command=command, view=view, prompts=Prompts(),
                     test_limits=limits_of_tests, run_baseline=config.loop.baseline_tests and not options.fix)
    task = TaskInput(options.task, failures=options.failures, failing_tests=list(options.failing_tests))
    if options.fix:
        task = _fix_task(parts)
    parts.log("task", model=name, capabilities_of=caps.name, options=_options_json(options, limits),
              task=None if task is None else asdict(task), base_commit=getattr(ws, "base_commit", None))
    if task is not None:
        _write_json(parts.run_dir / "task.json", {
            "task": asdict(task), "model": name, "capabilities_of": caps.name, "budget": limits.budget,
            "max_tokens": limits.max_tokens, "max_cost_usd": limits.max_cost_usd,
            "max_iterations": limits.max_iterations, "test_cmd": shlex.join(command.argv) if command else None,
            "refine_difficulty": limits.refine_difficulty, "base_commit": getattr(ws, "base_commit", None)})
    return parts, task, limits


def _setup(box: Any, root: Path, command: str, limits: Any, view: View) -> None:
    """`[tests] setup_command`: installs what the tests need, in the sandbox with the network on (tests run
    with it off)."""
    view.note(RunState(phase="setup"), f"setup: {command}")
    result = box.run(shlex.split(command), cwd=root, limits=limits, network=True)
    if not result.ok:
        tail = result.output.strip().splitlines()[-5:]
        raise DialError(f"the setup command `{command}` failed (exit {result.exit_code}): {' | '.join(tail)}",
                        "fix [tests] setup_command in .dial.toml, or remove it")


def _capabilities(model: Any, name: str, config: DialConfig) -> Any:
    """The capabilities that price and shape the calls: a replay model knows its recorded model's."""
    from agent.models import get_capabilities

    own = getattr(model, "capabilities", None)
    if own is not None and (name.startswith("replay:") or name == getattr(own, "name", None)):
        return own
    return get_capabilities(name, config.model.capabilities)


def _check_limits(limits: RunLimits) -> None:
    if limits.budget < 0:
        raise DialError(f"--budget {limits.budget} is negative", "give thinking tokens for the task (0 = none)")
    if limits.max_tokens is not None and limits.max_tokens <= 0:
        raise DialError(f"--max-tokens {limits.max_tokens} must be positive", "give a token cap above 0")
    if limits.max_cost_usd is not None and limits.max_cost_usd <= 0:
        raise DialError(f"--max-cost {limits.max_cost_usd} must be positive", "give a USD cap above 0")
    if limits.max_iterations < 1:
        raise DialError(f"--max-iterations {limits.max_iterations} must be at least 1", "give 1 or more")


def _test_command(text: str | None, root: Path) -> Any:
    from tools.testing import TestCommand, detect_test_command

    if text:
        argv = shlex.split(text)
        if not argv:
            raise DialError("the test command is empty", "pass --test-cmd 'python -m pytest -q' or similar")
        framework = "pytest" if any("pytest" in a for a in argv[:3]) else "custom"
        return TestCommand(argv=argv, framework=framework)
    command = detect_test_command(root)
    if command is None:
        raise DialError(f"no test command found in {root.name}",
                        "pass --test-cmd CMD or set [tests] command in .dial.toml")
    return command


def _fix_task(parts: RunParts) -> Any:
    """`dial fix`: the task comes from a first full test run; None when nothing fails."""
    from agent.plan import TaskInput
    from tools.testing import summarize_failures

    run = parts.run_tests(None)
    if run.passed:
        return None
    failing = [c.nodeid for c in run.failed]
    summary = summarize_failures(run, parts.config.loop.failure_summary_tokens, parts.root)
    text = parts.prompts.render("fix_task", failing=failing)
    return TaskInput(text, failures=summary, failing_tests=failing)


def _options_json(options: RunOptions, limits: RunLimits) -> dict[str, Any]:
    return {"repo": str(options.repo), "apply": options.apply, "fix": options.fix, "sandbox": options.sandbox,
            **asdict(limits)}


def _write_report(parts: RunParts, report: RunReport) -> None:
    report.diff = parts.workspace.diff()
    (parts.run_dir / "final.diff").write_text(report.diff, encoding="utf-8")
    _write_json(parts.run_dir / "report.json", report.to_json())


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load_task(run_dir: Path) -> dict[str, Any]:
    """The inputs of a recorded run (task.json), for `dial replay`."""
    path = run_dir / "task.json"
    if not path.is_file():
        raise DialError(f"{run_dir} holds no task.json", "pass a run id listed under .dial/runs/ that got past setup")
    return json.loads(path.read_text(encoding="utf-8"))

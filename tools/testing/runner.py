"""Run a repository's tests in the sandbox and read the results back as data.

pytest runs with dial's own plugin (`-p dial_pytest_results`, found through PYTHONPATH) writing JSON into
the work tree; other frameworks are parsed from their output. Failing tests are rerun to flag flakiness.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from tools.protocols import SandboxLike
from tools.testing.parsers import parse_cargo, parse_go_json, parse_unittest
from tools.testing.results import FAILING, TestCase, TestCommand, TestRun

PLUGIN_DIR = str(Path(__file__).parent / "plugin")
PLUGIN_NAME = "dial_pytest_results"
RESULTS_DIR = ".dial"
# Keep pytest's own report small: the data comes from the plugin, and captured output of a noisy test
# would otherwise be held and printed in full.
PYTEST_FLAGS = ["-p", PLUGIN_NAME, "--show-capture=no", "--tb=short", "-q", "-p", "no:cacheprovider", "--color=no"]


def run_tests(
    sandbox: SandboxLike,
    root: Path,
    command: TestCommand,
    *,
    select: list[str] | None = None,
    limits: Any = None,
    reruns: int = 1,
) -> TestRun:
    """Run `command` (optionally only `select`), then rerun failures up to `reruns` times to flag flaky tests."""
    run = _run_once(sandbox, Path(root), command, select, limits)
    if reruns <= 0 or run.timed_out or command.framework not in ("pytest", "go", "cargo", "unittest"):
        return run
    failing = [c.nodeid for c in run.cases if c.outcome in FAILING]
    if not failing or len(failing) > 20:
        return run
    flaky: set[str] = set()
    for _ in range(reruns):
        again = _run_once(sandbox, Path(root), command, [n for n in failing if n not in flaky], limits)
        outcomes = {c.nodeid: c.outcome for c in again.cases}
        flaky |= {n for n in failing if outcomes.get(n) == "passed"}
        if len(flaky) == len(failing):
            break
    run.flaky = sorted(flaky)
    if flaky and not run.failed and not run.timed_out:
        run.passed = True
    return run


def _run_once(sandbox: SandboxLike, root: Path, command: TestCommand, select: list[str] | None, limits: Any) -> TestRun:
    argv = list(command.argv)
    env: dict[str, str] = {}
    results_file: Path | None = None
    if command.framework == "pytest":
        results_file = root / RESULTS_DIR / f"test-results-{uuid.uuid4().hex[:8]}.json"
        argv += PYTEST_FLAGS
        env["DIAL_PYTEST_RESULTS"] = str(results_file)
        inherited = os.environ.get("PYTHONPATH")  # keep a user's own PYTHONPATH working inside the sandbox
        env["PYTHONPATH"] = PLUGIN_DIR + (os.pathsep + inherited if inherited else "")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    argv += _selection_args(command, select)
    result = sandbox.run(argv, cwd=root, limits=limits, network=False, env=env)
    output = result.output or ""
    cases: list[TestCase] = []
    if results_file is not None:
        cases = _read_pytest_results(results_file, root)
    elif command.framework == "go":
        cases = parse_go_json(output)
    elif command.framework == "cargo":
        cases = parse_cargo(output)
    elif command.framework == "unittest":
        cases = parse_unittest(output)
    exit_code = result.exit_code
    timed_out = bool(result.timed_out)
    no_tests = command.framework == "pytest" and exit_code == 5 and bool(select)
    passed = (exit_code == 0 or no_tests) and not timed_out and not bool(result.killed) and not any(c.outcome in FAILING for c in cases)
    return TestRun(passed, cases, exit_code, output, argv, list(select) if select else None,
                   timed_out=timed_out, backend=getattr(result, "backend", ""))


def _selection_args(command: TestCommand, select: list[str] | None) -> list[str]:
    if not select:
        return []
    if command.framework == "pytest":
        return ["--", *select]
    if command.framework == "unittest":
        return list(select)
    if command.framework == "go":
        names = sorted({s.rsplit("/", 1)[-1] for s in select})
        return ["-run", "^(" + "|".join(names) + ")$"]
    if command.framework == "cargo":
        return list(select[:1])  # cargo takes one filter
    return []


def _read_pytest_results(path: Path, root: Path) -> list[TestCase]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    finally:
        path.unlink(missing_ok=True)
        try:
            path.parent.rmdir()  # only when empty: leave the work tree as it was
        except OSError:
            pass
    cases = []
    for t in data.get("tests", []):
        cases.append(TestCase(
            nodeid=t.get("nodeid", ""), outcome=t.get("outcome", "error"),
            path=_rel(t.get("crash_path") or t.get("path"), root), line=t.get("crash_line") or t.get("line"),
            message=t.get("message", ""), traceback=t.get("traceback", ""),
            frames=[{**f, "path": _rel(f.get("path"), root)} for f in t.get("frames", [])],
        ))
    return cases


def _rel(path: str | None, root: Path) -> str | None:
    if not path:
        return path
    p = Path(path)
    if p.is_absolute():
        try:
            return os.path.relpath(os.path.realpath(p), os.path.realpath(root)).replace(os.sep, "/")
        except ValueError:
            return path
    return path.replace(os.sep, "/")

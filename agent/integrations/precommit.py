"""The pre-commit hooks: `dial-check` runs the tests that reach the staged change; `dial-fix` also repairs.

pre-commit runs a hook from its own virtualenv, first on PATH, which lacks the repo's dependencies; so the
tests run with the repo's own interpreter (configured command, else `.venv`/`venv`, else the Python that
started pre-commit) and the output says which. Offline and key-free: only the index, git and the tests.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Protocol, Sequence

from agent.config import load_config
from agent.errors import DialError
from agent.integrations.diffs import changed_new_lines, parse_diff
from agent.integrations.git_ops import Git

if TYPE_CHECKING:
    from sandbox.base import CommandResult, Limits, Sandbox
    from tools.testing import TestCommand

Echo = Callable[[str], None]
MAX_GRAPH_DEPTH = 3  # callers up to three deep, stopping at the first level (after the callers) with tests
MAX_GRAPH_NODES = 5000


class IndexLike(Protocol):
    """What test selection needs of `agent.index.RepoIndex` (a structural type, so tests may pass any index)."""

    def is_test_file(self, path: str) -> bool: ...
    def symbol_at(self, path: str, line: int) -> Any: ...
    def symbols_in_file(self, path: str) -> list[Any]: ...
    def parents(self, ids: Iterable[int]) -> dict[int, int | None]: ...
    def symbols_by_ids(self, ids: Iterable[int]) -> dict[int, Any]: ...
    def callers(self, symbol_id: int) -> list[tuple[Any, float]]: ...
    def tests_for_symbols(self, symbol_ids: Iterable[int]) -> list[str]: ...


@dataclass
class Selection:
    """What the staged change touches and which test files reach it."""

    symbols: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


@dataclass
class CheckResult:
    passed: bool
    selection: Selection
    failed: list[tuple[str, str]] = field(default_factory=list)  # (nodeid, first line of the message)
    command: list[str] = field(default_factory=list)
    environment: str = ""
    output: str = ""


def staged_changes(repo: Path, filenames: list[str]) -> dict[str, set[int]]:
    """Lines of the staged version touched by the staged diff, per file (only `filenames` when given)."""
    args = ["diff", "--cached", "-U0", "--no-color", "--no-ext-diff", "--no-renames"]
    diff = Git(repo).run(*args, "--", *filenames).stdout if filenames else Git(repo).run(*args).stdout
    return {path: lines for path, lines in changed_new_lines(parse_diff(diff)).items() if lines}


def select_tests(index: IndexLike, changes: dict[str, set[int]], filenames: list[str]) -> Selection:
    """Changed symbols -> every symbol that reaches them through the graph -> their test files."""
    sel = Selection(files=sorted(set(changes) | set(filenames)))
    seeds: dict[int, str] = {}
    direct_tests: set[str] = set()
    for path in sel.files:
        if index.is_test_file(path):
            direct_tests.add(path)
            continue
        lines = changes.get(path)
        if lines:
            found = [index.symbol_at(path, line) for line in sorted(lines)]
        else:  # passed without a staged change (`pre-commit run --all-files`): the whole file
            found = index.symbols_in_file(path)
        for sym in found:
            if sym is not None:
                seeds[sym.id] = getattr(sym, "qualname", None) or sym.name
    # a changed method also changes its class, which is what tests usually reference
    parents = index.parents(list(seeds))
    classes = index.symbols_by_ids(p for p in parents.values() if p is not None)
    reached = set(seeds) | {i for i, sym in classes.items() if sym.kind == "class"}
    frontier = list(reached)
    tests = direct_tests | set(index.tests_for_symbols(reached))
    for depth in range(MAX_GRAPH_DEPTH):
        if tests and depth >= 1:  # the nearest tests are enough; deeper levels fan out to most of a suite
            break
        following: list[int] = []
        for symbol_id in frontier:
            for caller, _weight in index.callers(symbol_id):
                if caller.id not in reached and len(reached) < MAX_GRAPH_NODES:
                    reached.add(caller.id)
                    following.append(caller.id)
                    if index.is_test_file(caller.path):
                        tests.add(caller.path)
        tests |= set(index.tests_for_symbols(following))
        frontier = following
    sel.symbols = sorted(set(seeds.values()))
    sel.tests = sorted(tests)
    return sel


def _hook_bin(env: Mapping[str, str]) -> str | None:
    """pre-commit's hook virtualenv bin dir (first on PATH while a hook runs), if we are in one."""
    venv = env.get("VIRTUAL_ENV")
    if env.get("PRE_COMMIT") == "1" and venv:
        return str(Path(venv) / "bin")
    return None


def clean_path(env: Mapping[str, str]) -> str:
    """PATH without the hook's own virtualenv."""
    hook_bin = _hook_bin(env)
    parts = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != hook_bin]
    return os.pathsep.join(parts)


def _parent_python(env: Mapping[str, str]) -> str | None:
    """The interpreter pre-commit itself runs on (our parent process), as it was invoked (venv kept)."""
    try:
        raw = Path(f"/proc/{os.getppid()}/cmdline").read_bytes()
    except OSError:
        return None
    argv0 = raw.split(b"\0")[0].decode(errors="replace")
    if not Path(argv0).name.startswith("python"):
        return None
    found = argv0 if os.sep in argv0 else shutil.which(argv0, path=clean_path(env))
    return found if found and Path(found).exists() else None


def repo_python(repo: Path, env: Mapping[str, str]) -> tuple[str, str]:
    """(interpreter, how it was chosen): the repo's virtualenv, else the Python that started pre-commit."""
    for name in (".venv", "venv"):
        candidate = repo / name / "bin" / "python"
        if candidate.exists():
            return str(candidate), f"the repository's virtualenv {name}/"
    parent = _parent_python(env) if env.get("PRE_COMMIT") == "1" else None
    if parent:
        return parent, f"the Python that started pre-commit ({parent})"
    if _hook_bin(env) is None:
        return sys.executable, f"the Python running dial ({sys.executable})"
    found = shutil.which("python3", path=clean_path(env)) or shutil.which("python", path=clean_path(env))
    if not found:
        raise DialError("no Python for the repository's tests outside pre-commit's hook environment",
                        "create .venv in the repository or set [tool.dial] tests.command")
    return found, f"the first Python on PATH outside the hook environment ({found})"


def test_command(repo: Path, env: Mapping[str, str]) -> tuple[TestCommand, str]:
    """The TestCommand to run and a sentence saying which environment it uses."""
    from tools.testing import TestCommand, detect_test_command

    configured = load_config(repo).tests.command
    if configured:
        argv = shlex.split(configured)
        framework = "pytest" if any(Path(a).name in ("pytest", "py.test") for a in argv[:3]) else "custom"
        return TestCommand(argv, framework), f"the configured test command `{configured}`"
    detected = detect_test_command(repo)
    if detected is None:
        raise DialError(f"cannot tell how the tests of {repo} run",
                        "set the test command: [tool.dial] tests.command = \"pytest -q\" in pyproject.toml")
    if detected.framework in ("pytest", "unittest") and "-m" in detected.argv[:2]:
        python, how = repo_python(repo, env)
        return TestCommand([python, *detected.argv[1:]], detected.framework), how
    return detected, f"`{shlex.join(detected.argv)}`"


class _ExtraEnv:
    """A sandbox that adds fixed variables (the cleaned PATH) to every command."""

    def __init__(self, inner: Sandbox, extra: dict[str, str]) -> None:
        self._inner = inner
        self.name = inner.name
        self._extra = extra

    def run(self, argv: Sequence[str], *, cwd: Path, limits: Limits | None = None, network: bool = False,
            env: Mapping[str, str] | None = None) -> CommandResult:
        return self._inner.run(argv, cwd=cwd, limits=limits, network=network, env={**self._extra, **(env or {})})


def check(repo: Path, filenames: list[str], env: Mapping[str, str], *, sandbox: Sandbox | None = None,
          echo: Echo = print) -> CheckResult:
    """Select and run the tests reaching the staged change (no model, no network)."""
    from agent.index import RepoIndex
    from tools.testing import run_tests

    changes = staged_changes(repo, filenames)
    if not changes and not filenames:
        echo("dial-check: nothing staged; nothing to run")
        return CheckResult(True, Selection())
    with RepoIndex.open(repo) as index:
        index.update(progress=False)
        selection = select_tests(index, changes, filenames)
    selection.tests = [t for t in selection.tests if (repo / t).is_file()]  # a staged deletion is not a test to run
    if not selection.tests:
        echo(f"dial-check: no tests reach the staged change ({len(selection.symbols)} symbol(s) in "
             f"{len(selection.files)} file(s)); nothing to run")
        return CheckResult(True, selection)
    command, how = test_command(repo, env)
    echo(f"dial-check: {len(selection.tests)} test file(s) reach {', '.join(selection.symbols[:8]) or 'the change'}"
         f"{' ...' if len(selection.symbols) > 8 else ''}; running them with {how}")
    if sandbox is None:
        from sandbox import get_sandbox

        settings = load_config(repo).sandbox
        sandbox = get_sandbox(settings.backend, writable=[repo], env_allow=settings.env_allow)
    extra = {"PATH": clean_path(env)}
    run = run_tests(_ExtraEnv(sandbox, extra), repo, command, select=selection.tests, reruns=0)
    failed = [(c.nodeid, (c.message or "").strip().splitlines()[0] if (c.message or "").strip() else c.outcome)
              for c in run.failed]
    result = CheckResult(run.passed, selection, failed, list(run.command), how, run.output)
    if run.passed:
        echo(f"dial-check: passed ({len(run.cases)} test(s) in {', '.join(selection.tests)})")
        return result
    echo(f"dial-check: FAILED: {len(failed)} failing test(s) reach the staged change:")
    for nodeid, message in failed:
        echo(f"  {nodeid}: {message}")
    if not failed:
        echo(run.output.strip()[-3000:])
    return result

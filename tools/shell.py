"""The only ways the model runs anything: `shell` and `run_tests`, both inside the sandbox, network off."""

from __future__ import annotations

import subprocess
from typing import Any

from tools.paths import ToolError
from tools.protocols import SandboxLike
from tools.schema import ToolOutput, ToolSchema
from tools.testing.detect import detect_test_command
from tools.testing.results import TestCommand
from tools.testing.runner import run_tests
from tools.testing.summary import summarize_failures
from tools.workspace import Workspace

MAX_OUTPUT = 12_000


def _limits(timeout: float) -> Any:
    from sandbox.base import Limits  # a lower layer; imported late so tools load without it

    return Limits(timeout_s=timeout, output_head_bytes=32 * 1024, output_tail_bytes=32 * 1024)


def trim(text: str, limit: int = MAX_OUTPUT) -> str:
    if len(text) <= limit:
        return text
    head, tail = limit // 3, limit - limit // 3
    return f"{text[:head]}\n[... {len(text) - limit} characters cut ...]\n{text[-tail:]}"


class ShellTool:
    schema = ToolSchema(
        name="shell",
        description=(
            "Run a shell command in the repository inside dial's sandbox (no network, time and memory limits), "
            "e.g. a reproduction script or a quick check. Returns the exit code and the (trimmed) output."
        ),
        parameters={
            "type": "object",
            "properties": {
                "command": {"type": "string"},
                "timeout": {"type": "number", "description": "Seconds, default 120, at most 600."},
            },
            "required": ["command"],
        },
    )

    def __init__(self, ws: Workspace, sandbox: SandboxLike | None) -> None:
        self.ws = ws
        self.sandbox = sandbox

    def execute(self, args: dict[str, Any]) -> ToolOutput:
        if self.sandbox is None:
            raise ToolError("no sandbox is configured in this run, so commands cannot be run.")
        command = args.get("command")
        if not isinstance(command, str) or not command.strip():
            raise ToolError("shell needs `command`.")
        timeout = args.get("timeout") or 120
        timeout = max(1.0, min(float(timeout), 600.0)) if isinstance(timeout, (int, float)) else 120.0
        result = self.sandbox.run(["bash", "-c", command], cwd=self.ws.root, limits=_limits(timeout), network=False)
        self._note_changes()
        status = f"exit code {result.exit_code}"
        if result.timed_out:
            status += f" (timed out after {timeout:.0f}s and was killed)"
        elif result.killed:
            status += " (killed: a resource limit was hit)"
        body = trim(result.output or "")
        return ToolOutput(f"{status}; {result.output_bytes} bytes of output\n{body}", is_error=False)

    def _note_changes(self) -> None:
        """A command may change files (sed -i, a generator): record them like editor edits."""
        try:
            proc = subprocess.run(
                ["git", "status", "--porcelain", "-z", "--untracked-files=all"],
                cwd=self.ws.root, capture_output=True, timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired):
            return
        if proc.returncode != 0:
            return
        entries = proc.stdout.decode("utf-8", "replace").split("\0")
        i = 0
        while i < len(entries):
            entry = entries[i]
            if len(entry) > 3:
                code, rel = entry[:2], entry[3:]
                if not rel.startswith(".dial/"):
                    self.ws.edited.add(rel)
                if "R" in code or "C" in code:
                    i += 1  # the source path of a rename follows
            i += 1


class RunTestsTool:
    schema = ToolSchema(
        name="run_tests",
        description=(
            "Run the repository's tests in the sandbox (network off). Optionally `select` test ids or files "
            "(e.g. tests/test_x.py::test_y). Returns pass/fail counts and, for failures, the assertion and the "
            "frames inside the repository."
        ),
        parameters={
            "type": "object",
            "properties": {
                "select": {"type": "array", "items": {"type": "string"}, "description": "Test ids or files to run."},
            },
        },
    )

    def __init__(self, ws: Workspace, sandbox: SandboxLike | None, command: list[str] | None, token_limit: int = 2000) -> None:
        self.ws = ws
        self.sandbox = sandbox
        self.command = command
        self.token_limit = token_limit
        self.last_run = None

    def test_command(self) -> TestCommand | None:
        if self.command:
            argv = list(self.command)
            joined = " ".join(argv)
            framework = "pytest" if "pytest" in joined else "unittest" if "unittest" in joined else (
                "go" if argv[:2] == ["go", "test"] else "cargo" if argv[:2] == ["cargo", "test"] else "custom")
            if framework == "go" and "-json" not in argv:
                argv.insert(2, "-json")
            return TestCommand(argv, framework)
        return detect_test_command(self.ws.root)

    def execute(self, args: dict[str, Any]) -> ToolOutput:
        if self.sandbox is None:
            raise ToolError("no sandbox is configured in this run, so tests cannot be run.")
        command = self.test_command()
        if command is None:
            raise ToolError("no test command was found for this repository; the user can set one with --test-cmd.")
        select = args.get("select")
        if select is not None and not (isinstance(select, list) and all(isinstance(s, str) for s in select)):
            raise ToolError("`select` must be a list of test ids or file paths.")
        for item in select or []:
            self.ws.paths.resolve(item.split("::")[0], must_exist=False)  # refuses paths outside the repo
        run = run_tests(self.sandbox, self.ws.root, command, select=select or None, limits=_limits(900.0))
        self.last_run = run
        return ToolOutput(summarize_failures(run, self.token_limit, self.ws.root))

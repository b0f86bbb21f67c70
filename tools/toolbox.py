"""Everything the model can call, behind one `execute(name, args)` that never raises for model mistakes.

The loop asks for `schemas()` to declare the tools, sends each tool call to `execute`, and reads
`edited_paths()` to commit what changed and refresh the index. All output is redacted for secrets.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from tools.editor import EditorTool
from tools.paths import ToolError
from tools.patch import ApplyPatchTool
from tools.protocols import IndexLike, SandboxLike
from tools.pyedit import PythonEditTool
from tools.schema import ToolOutput, ToolSchema
from tools.search import SearchTool
from tools.secrets import redact
from tools.shell import RunTestsTool, ShellTool, trim
from tools.symbols import SymbolsTool
from tools.workspace import Workspace

MAX_TOOL_OUTPUT = 40_000


class Toolbox:
    def __init__(
        self,
        root: Path,
        *,
        index: IndexLike | None = None,
        sandbox: SandboxLike | None = None,
        test_command: list[str] | None = None,
        secret_globs: Sequence[str] = (),
        native_editor: bool = True,
    ) -> None:
        root = Path(root)
        if not root.is_dir():
            raise ValueError(f"tool root {root} is not a directory")
        self.ws = Workspace(root, index=index, secret_globs=secret_globs)
        self.run_tests_tool = RunTestsTool(self.ws, sandbox, test_command)
        tools: list[Any] = [EditorTool(self.ws, native_editor), ApplyPatchTool(self.ws), PythonEditTool(self.ws), SearchTool(self.ws)]
        if index is not None:
            tools.append(SymbolsTool(index))
        if sandbox is not None:
            tools += [self.run_tests_tool, ShellTool(self.ws, sandbox)]
        self._tools = {t.schema.name: t for t in tools}

    def schemas(self) -> list[ToolSchema]:
        return [t.schema for t in self._tools.values()]

    def execute(self, name: str, args: dict[str, Any]) -> ToolOutput:
        tool = self._tools.get(name)
        if tool is None:
            return ToolOutput(f"unknown tool {name!r}; available: {', '.join(self._tools)}.", is_error=True)
        if isinstance(args, str):  # some providers hand over raw JSON text
            try:
                args = json.loads(args)
            except ValueError:
                return ToolOutput("tool input is not valid JSON.", is_error=True)
        if not isinstance(args, dict):
            return ToolOutput("tool input must be a JSON object.", is_error=True)
        try:
            out = tool.execute(args)
        except ToolError as exc:
            out = ToolOutput(str(exc), is_error=True)
        except Exception as exc:  # noqa: BLE001 - a tool bug must not end the run; the model sees what failed
            out = ToolOutput(f"{name} failed: {type(exc).__name__}: {exc}", is_error=True)
        text = trim(out.text, MAX_TOOL_OUTPUT)
        if self.ws.index_warning:
            text += "\n" + self.ws.index_warning
        return ToolOutput(redact(text), is_error=out.is_error)

    def edited_paths(self) -> set[str]:
        return set(self.ws.edited)

    def clear_edited(self) -> None:
        self.ws.edited.clear()

    @property
    def last_test_run(self) -> Any:
        """The most recent run_tests result (a TestRun), for the loop's gates and no-progress check."""
        return self.run_tests_tool.last_run

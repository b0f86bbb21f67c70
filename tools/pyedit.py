"""Python-aware edits through libcst: replace, insert or delete a function, method or class by name.

The model names `Class.method` instead of quoting text, so the edit cannot land in the wrong place;
libcst re-indents the new code for where it goes and leaves every other byte (comments included) alone.
"""

from __future__ import annotations

from typing import Any, Sequence

import libcst as cst

from tools.editor import _read_file, rebuild, snippet
from tools.paths import ToolError
from tools.schema import ToolOutput, ToolSchema
from tools.workspace import Workspace

ACTIONS = ("replace", "insert_after", "insert_before", "delete", "append")


def edit_python(source: str, qualname: str, action: str, code: str = "") -> str:
    """Return `source` with the definition `qualname` changed; raises ToolError on a bad name or code."""
    if action not in ACTIONS:
        raise ToolError(f"unknown action {action!r}; use one of {', '.join(ACTIONS)}.")
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise ToolError(f"the file does not parse as Python ({exc.message} at line {exc.raw_line}); use the text editor.") from None
    new_stmts: list[cst.BaseStatement] = []
    if action != "delete":
        try:
            new_stmts = list(cst.parse_module(_dedent(code)).body)
        except cst.ParserSyntaxError as exc:
            raise ToolError(f"`code` is not valid Python: {exc.message} (line {exc.raw_line}).") from None
        if not new_stmts:
            raise ToolError("`code` is empty.")
    parts = [p for p in qualname.split(".") if p] if qualname else []
    if action == "append":
        if not parts:
            return module.with_changes(body=list(module.body) + new_stmts).code
        target = _find(module.body, parts, qualname)
        if not isinstance(target, cst.ClassDef):
            raise ToolError(f"{qualname} is not a class; `append` adds statements to the end of a class or module.")
        body = target.body
        if not isinstance(body, cst.IndentedBlock):
            raise ToolError(f"class {qualname} is written on one line; replace it instead.")
        new_body = body.with_changes(body=list(body.body) + new_stmts)
        return _swap(module, parts, lambda node: [node.with_changes(body=new_body)]).code
    if not parts:
        raise ToolError("`symbol` is required: a function, class or `Class.method` name.")
    target = _find(module.body, parts, qualname)
    if action == "replace":
        first = new_stmts[0]
        if not first.leading_lines and getattr(target, "leading_lines", None):
            new_stmts[0] = first.with_changes(leading_lines=target.leading_lines)
        return _swap(module, parts, lambda node: new_stmts).code
    if action == "delete":
        return _swap(module, parts, lambda node: []).code
    if action == "insert_after":
        return _swap(module, parts, lambda node: [node, *_spaced(new_stmts)]).code
    return _swap(module, parts, lambda node: [*new_stmts, node]).code


def _dedent(code: str) -> str:
    import textwrap

    code = textwrap.dedent(code.replace("\r\n", "\n"))
    return code if code.endswith("\n") else code + "\n"


def _spaced(stmts: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    first = stmts[0]
    if isinstance(first, (cst.FunctionDef, cst.ClassDef)) and not first.leading_lines:
        stmts = [first.with_changes(leading_lines=[cst.EmptyLine(indent=False)]), *stmts[1:]]
    return stmts


def _name_of(node: cst.CSTNode) -> str | None:
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        return node.name.value
    return None


def _find(body: Sequence[cst.CSTNode], parts: list[str], qualname: str) -> cst.CSTNode:
    for node in body:
        if _name_of(node) == parts[0]:
            if len(parts) == 1:
                return node
            if isinstance(node, cst.ClassDef) and isinstance(node.body, cst.IndentedBlock):
                return _find(node.body.body, parts[1:], qualname)
    names = [n for n in (_name_of(x) for x in body) if n]
    raise ToolError(f"no definition named {qualname!r}; definitions at that level: {', '.join(names[:30]) or 'none'}.")


def _swap(module: cst.Module, parts: list[str], make) -> cst.Module:  # type: ignore[no-untyped-def]
    def replace_in(body: Sequence[cst.BaseStatement], depth: int) -> list[cst.BaseStatement]:
        out: list[cst.BaseStatement] = []
        for node in body:
            if _name_of(node) == parts[depth]:
                if depth == len(parts) - 1:
                    out.extend(make(node))
                    continue
                if isinstance(node, cst.ClassDef) and isinstance(node.body, cst.IndentedBlock):
                    inner = replace_in(node.body.body, depth + 1)
                    if not inner:
                        inner = [cst.SimpleStatementLine([cst.Pass()])]
                    out.append(node.with_changes(body=node.body.with_changes(body=inner)))
                    continue
            out.append(node)
        return out

    return module.with_changes(body=replace_in(module.body, 0))


class PythonEditTool:
    schema = ToolSchema(
        name="python_edit",
        description=(
            "Edit a Python file by definition name instead of quoting text: replace, insert_before, insert_after "
            "or delete the function/class `symbol` (e.g. `MyClass.method`), or append `code` to a class or to the "
            "module (empty symbol). `code` is the full new definition; indentation is fixed for you."
        ),
        parameters={
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "symbol": {"type": "string", "description": "Qualified name: func, Class or Class.method."},
                "action": {"type": "string", "enum": list(ACTIONS)},
                "code": {"type": "string", "description": "The new Python code (not needed for delete)."},
            },
            "required": ["path", "action"],
        },
    )

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def execute(self, args: dict[str, Any]) -> ToolOutput:
        path = self.ws.paths.resolve(args.get("path"))
        if path.suffix not in (".py", ".pyi"):
            raise ToolError(f"{path.name} is not a Python file; use the text editor.")
        tf = _read_file(path)
        text = tf.text
        code = args.get("code", "")
        if not isinstance(code, str):
            raise ToolError("`code` must be a string.")
        new_text = edit_python(text, str(args.get("symbol") or ""), str(args.get("action") or ""), code)
        after = rebuild(tf, text, new_text)
        self.ws.commit(path, tf, after)
        first = next((i for i, (a, b) in enumerate(zip(text.split("\n"), new_text.split("\n"))) if a != b), 0) + 1
        last = first + max(0, code.count("\n"))
        return ToolOutput(f"Edited {self.ws.paths.rel(path)} ({args.get('action')} {args.get('symbol') or 'module'}).\n" + snippet(after, first, last))

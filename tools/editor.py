"""The text editor tool with Anthropic's semantics: view, str_replace, create, insert.

Declared to Claude models as the native `text_editor_20250728` tool (named `str_replace_based_edit_tool`),
to other models by the JSON schema below. `str_replace` goes through the tolerant matcher in
`tools.textmatch`, so small misquotes still land in the one right place or come back with candidates.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tools.fileio import TextFile, parse, read_text_file
from tools.paths import ToolError
from tools.schema import ToolOutput, ToolSchema
from tools.textmatch import NoMatch, find_replacement
from tools.workspace import Workspace

EDITOR_NAME = "str_replace_based_edit_tool"
EDITOR_TYPE = "text_editor_20250728"
MAX_VIEW_CHARS = 40_000
SNIPPET = 4
_SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".mypy_cache", ".pytest_cache", ".dial"}

EDITOR_PARAMETERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "command": {"type": "string", "enum": ["view", "str_replace", "create", "insert"]},
        "path": {"type": "string", "description": "File or directory, relative to the repository root."},
        "view_range": {
            "type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2,
            "description": "view: [start, end] 1-based inclusive lines; end -1 means to the end of the file.",
        },
        "old_str": {"type": "string", "description": "str_replace: the text to replace; must identify one place."},
        "new_str": {"type": "string", "description": "str_replace: the replacement text."},
        "file_text": {"type": "string", "description": "create: the whole content of the file."},
        "insert_line": {"type": "integer", "description": "insert: the line after which to insert (0 = top)."},
        "insert_text": {"type": "string", "description": "insert: the text to insert."},
    },
    "required": ["command", "path"],
}


def editor_schema(native: bool = True) -> ToolSchema:
    return ToolSchema(
        name=EDITOR_NAME,
        description=(
            "View, create and edit files. view shows a file with line numbers (or lists a directory); "
            "str_replace replaces old_str, which must match one place, with new_str; create writes a new file; "
            "insert adds insert_text after line insert_line. Paths are relative to the repository root."
        ),
        parameters=EDITOR_PARAMETERS,
        anthropic_type=EDITOR_TYPE if native else None,
    )


class EditorTool:
    def __init__(self, ws: Workspace, native: bool = True) -> None:
        self.ws = ws
        self.schema = editor_schema(native)

    def execute(self, args: dict[str, Any]) -> ToolOutput:
        command = args.get("command")
        handlers = {"view": self.view, "str_replace": self.str_replace, "create": self.create, "insert": self.insert}
        if command not in handlers:
            raise ToolError(f"unknown command {command!r}; use one of: view, str_replace, create, insert.")
        return handlers[command](args)

    # -- view ----------------------------------------------------------------------------------
    def view(self, args: dict[str, Any]) -> ToolOutput:
        path = self.ws.paths.resolve(args.get("path"))
        if path.is_dir():
            return ToolOutput(self._listing(path))
        tf = read_text_file(path)
        lines = tf.lines
        start, end = 1, len(lines)
        rng = args.get("view_range")
        if rng is not None:
            if not (isinstance(rng, list) and len(rng) == 2 and all(isinstance(x, int) for x in rng)):
                raise ToolError("view_range must be two integers [start, end], e.g. [10, 40] or [10, -1].")
            start, end = rng[0], (len(lines) if rng[1] == -1 else rng[1])
            if start < 1 or start > max(1, len(lines)) or end < start:
                raise ToolError(f"view_range {rng} is outside the file, which has {len(lines)} lines.")
            end = min(end, len(lines))
        out: list[str] = []
        size = 0
        shown_to = start - 1
        for n in range(start, end + 1):
            row = f"{n:6}\t{lines[n - 1]}"
            if size + len(row) > MAX_VIEW_CHARS and out:
                break
            out.append(row)
            size += len(row) + 1
            shown_to = n
        if shown_to < end:
            out.append(f"[... truncated: showed lines {start}-{shown_to} of {len(lines)}; use view_range to see more]")
        if not lines:
            out.append("(empty file)")
        return ToolOutput("\n".join(out))

    def _listing(self, path: Path) -> str:
        rel_root = self.ws.paths.rel(path)
        entries: list[str] = []
        base_depth = len(path.parts)
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
            depth = len(Path(dirpath).parts) - base_depth
            for name in sorted(filenames):
                if not name.startswith("."):
                    entries.append(os.path.relpath(os.path.join(dirpath, name), self.ws.root))
            for d in dirnames:
                entries.append(os.path.relpath(os.path.join(dirpath, d), self.ws.root) + "/")
            if depth >= 1:
                dirnames[:] = []
            if len(entries) > 400:
                break
        entries = sorted(e.replace(os.sep, "/") for e in entries)
        more = ""
        if len(entries) > 400:
            more = f"\n[... {len(entries) - 400} more entries; view a subdirectory]"
            entries = entries[:400]
        return f"Files and directories up to 2 levels deep in {rel_root}:\n" + "\n".join(entries) + more

    # -- edits ---------------------------------------------------------------------------------
    def str_replace(self, args: dict[str, Any]) -> ToolOutput:
        path = self.ws.paths.resolve(args.get("path"))
        old, new = args.get("old_str"), args.get("new_str", "")
        if not isinstance(old, str):
            raise ToolError("str_replace needs old_str (the exact text to replace).")
        if not isinstance(new, str):
            raise ToolError("new_str must be a string.")
        tf = _read_file(path)
        text = tf.text
        try:
            rep = find_replacement(text, old, new)
        except NoMatch as exc:
            raise ToolError(f"No edit made to {self.ws.paths.rel(path)}: {exc}") from None
        after = rebuild(tf, text, text[: rep.start] + rep.text + text[rep.end :])
        self.ws.commit(path, tf, after)
        note = "" if rep.tier == "exact" else f" (old_str matched after normalising: {rep.tier})"
        first = rep.first_line
        last = first + rep.text.count("\n")
        return ToolOutput(f"Edited {self.ws.paths.rel(path)}{note}.\n" + snippet(after, first, last))

    def create(self, args: dict[str, Any]) -> ToolOutput:
        path = self.ws.paths.resolve(args.get("path"), must_exist=False)
        content = args.get("file_text")
        if not isinstance(content, str):
            raise ToolError("create needs file_text (the whole content of the new file).")
        if path.is_dir():
            raise ToolError(f"{self.ws.paths.rel(path)} is a directory.")
        before = _read_file(path) if path.exists() else None
        after = parse(content.encode("utf-8"))
        if before is not None:  # keep the existing file's conventions
            after.encoding, after.bom, after.newline = before.encoding, before.bom, before.newline
            after.endings = [before.newline if e else "" for e in after.endings]
        self.ws.commit(path, before, after)
        verb = "Overwrote" if before is not None else "Created"
        return ToolOutput(f"{verb} {self.ws.paths.rel(path)} ({len(after.lines)} lines).")

    def insert(self, args: dict[str, Any]) -> ToolOutput:
        path = self.ws.paths.resolve(args.get("path"))
        text = args.get("insert_text", args.get("new_str"))
        line = args.get("insert_line")
        if not isinstance(text, str):
            raise ToolError("insert needs insert_text (the text to insert).")
        if not isinstance(line, int) or isinstance(line, bool):
            raise ToolError("insert needs insert_line, an integer (0 inserts at the top of the file).")
        tf = _read_file(path)
        if line < 0 or line > len(tf.lines):
            raise ToolError(f"insert_line {line} is outside the file: use 0..{len(tf.lines)}.")
        new_lines = text.replace("\r\n", "\n").replace("\r", "\n")
        if new_lines.endswith("\n"):
            new_lines = new_lines[:-1]
        after = parse(tf.to_bytes())
        after.extra = dict(tf.extra)
        after.replace_lines(line, line, new_lines.split("\n"))
        self.ws.commit(path, tf, after)
        added = new_lines.count("\n") + 1
        return ToolOutput(f"Inserted {added} line(s) into {self.ws.paths.rel(path)}.\n" + snippet(after, line + 1, line + added))


def _read_file(path: Path) -> TextFile:
    if path.is_dir():
        raise ToolError(f"{path.name} is a directory; give a file path.")
    return read_text_file(path)


def rebuild(tf: TextFile, old_text: str, new_text: str) -> TextFile:
    """A copy of `tf` holding `new_text` (LF), keeping the endings of every line outside the changed span."""
    limit = min(len(old_text), len(new_text))
    head = 0
    while head < limit and old_text[head] == new_text[head]:
        head += 1
    tail = 0
    while tail < limit - head and old_text[-1 - tail] == new_text[-1 - tail]:
        tail += 1
    n_old = len(tf.lines)
    starts = [0] * n_old
    pos = 0
    for i, line in enumerate(tf.lines):
        starts[i] = pos
        pos += len(line) + 1
    p_old, p_new = len(old_text) - tail, len(new_text) - tail
    head_lines = sum(1 for i in range(n_old) if starts[i] + len(tf.lines[i]) < head)
    at_start = (p_old == 0 or old_text[p_old - 1] == "\n") and (p_new == 0 or new_text[p_new - 1] == "\n")
    tail_lines = sum(1 for i in range(head_lines, n_old) if starts[i] > p_old or (starts[i] == p_old and at_start))
    new_all = new_text.split("\n")
    ends_nl = new_text.endswith("\n")
    if ends_nl or not new_text:
        new_all.pop()
    mid = new_all[head_lines : len(new_all) - tail_lines]
    mid_end = [tf.newline] * len(mid)
    before_tail = n_old - tail_lines - 1
    if mid:
        if tail_lines:
            mid_end[-1] = tf.endings[before_tail] if before_tail >= head_lines and tf.endings[before_tail] else tf.newline
        elif not ends_nl:
            mid_end[-1] = ""
        elif before_tail >= 0 and tf.endings[before_tail]:
            mid_end[-1] = tf.endings[before_tail]
    out = TextFile(list(tf.lines), list(tf.endings), tf.encoding, tf.bom, tf.newline, tf.indent_tabs, dict(tf.extra))
    out.lines = tf.lines[:head_lines] + mid + tf.lines[n_old - tail_lines :]
    out.endings = tf.endings[:head_lines] + mid_end + tf.endings[n_old - tail_lines :]
    return out


def snippet(tf: TextFile, first: int, last: int) -> str:
    lo, hi = max(1, first - SNIPPET), min(len(tf.lines), last + SNIPPET)
    return "\n".join(f"{n:6}\t{tf.lines[n - 1]}" for n in range(lo, hi + 1))

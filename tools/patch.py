"""Apply a unified diff (the format many models know best) through the same tolerant matcher.

Each hunk's old side (context + removed lines) is located like a `str_replace` old_str; if it occurs
more than once exactly, the occurrence nearest the hunk header's line number is used. All files or none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tools.editor import rebuild, _read_file
from tools.fileio import parse
from tools.paths import ToolError
from tools.schema import ToolOutput, ToolSchema
from tools.textmatch import NoMatch, find_replacement
from tools.workspace import Workspace

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass
class FilePatch:
    old_path: str
    new_path: str
    hunks: list[tuple[int, list[str], list[str]]] = field(default_factory=list)  # (old start, old lines, new lines)


def parse_unified_diff(diff: str) -> list[FilePatch]:
    patches: list[FilePatch] = []
    lines = diff.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            patches.append(FilePatch(_strip(line[4:]), _strip(lines[i + 1][4:])))
            i += 2
            continue
        m = _HUNK.match(line)
        if m:
            if not patches:
                raise ToolError("the diff has a hunk before any '--- a/file' / '+++ b/file' header.")
            old: list[str] = []
            new: list[str] = []
            i += 1
            while i < len(lines) and not _HUNK.match(lines[i]) and not (lines[i].startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ ")):
                body = lines[i]
                if body.startswith("\\"):  # "\ No newline at end of file"
                    pass
                elif body.startswith("-"):
                    old.append(body[1:])
                elif body.startswith("+"):
                    new.append(body[1:])
                elif body.startswith(" ") or body == "":
                    if body == "" and i == len(lines) - 1:
                        break
                    old.append(body[1:]); new.append(body[1:])
                i += 1
            patches[-1].hunks.append((int(m.group(1)), old, new))
            continue
        i += 1
    if not patches:
        raise ToolError("no unified diff found: expected '--- a/path', '+++ b/path' and '@@ -l,n +l,n @@' hunks.")
    return patches


def _strip(name: str) -> str:
    name = name.split("\t")[0].strip()
    if name != "/dev/null" and (name.startswith("a/") or name.startswith("b/")):
        name = name[2:]
    return name


def apply_hunks(text: str, hunks: list[tuple[int, list[str], list[str]]]) -> str:
    for start, old_lines, new_lines in hunks:
        if not old_lines:  # pure addition at a line number
            lines = text.split("\n")
            at = max(0, min(len(lines), start))
            text = "\n".join(lines[:at] + new_lines + lines[at:])
            continue
        old, new = "\n".join(old_lines) + "\n", "\n".join(new_lines) + "\n" if new_lines else ""
        occurrences = [m.start() for m in re.finditer("(?=" + re.escape(old) + ")", text)] if old in text else []
        if len(occurrences) > 1:
            best = min(occurrences, key=lambda o: abs(text.count("\n", 0, o) + 1 - start))
            text = text[:best] + new + text[best + len(old) :]
            continue
        try:
            rep = find_replacement(text, old, new)
        except NoMatch as exc:
            raise ToolError(f"hunk at line {start} does not apply: {exc}") from None
        text = text[: rep.start] + rep.text + text[rep.end :]
    return text


class ApplyPatchTool:
    schema = ToolSchema(
        name="apply_patch",
        description=(
            "Apply a unified diff (---/+++ headers, @@ hunks) to one or more files. Context is matched tolerantly; "
            "/dev/null as the old or new side creates or deletes a file. All files change or none."
        ),
        parameters={
            "type": "object",
            "properties": {"patch": {"type": "string", "description": "The unified diff text."}},
            "required": ["patch"],
        },
    )

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def execute(self, args: dict[str, Any]) -> ToolOutput:
        diff = args.get("patch")
        if not isinstance(diff, str) or not diff.strip():
            raise ToolError("apply_patch needs `patch`, a unified diff.")
        planned = []
        for fp in parse_unified_diff(diff):
            if fp.new_path == "/dev/null":
                path = self.ws.paths.resolve(fp.old_path)
                planned.append((path, _read_file(path), None))
                continue
            path = self.ws.paths.resolve(fp.new_path, must_exist=fp.old_path != "/dev/null")
            if fp.old_path == "/dev/null":
                if path.exists():
                    raise ToolError(f"{fp.new_path} already exists; the diff says it is new.")
                body = "\n".join(line for _, _, new in fp.hunks for line in new) + "\n"
                planned.append((path, None, parse(body.encode("utf-8"))))
                continue
            tf = _read_file(path)
            text = tf.text
            planned.append((path, tf, rebuild(tf, text, apply_hunks(text, fp.hunks))))
        done: list[tuple[Any, Any]] = []
        try:
            for path, before, after in planned:
                if after is None:
                    done.append((path, path.read_bytes()))
                    path.unlink()
                    self.ws.edited.add(self.ws.paths.rel(path))
                    continue
                done.append((path, path.read_bytes() if path.exists() else None))
                self.ws.commit(path, before, after)
        except ToolError:
            for path, data in reversed(done):
                if data is None:
                    path.unlink(missing_ok=True)
                else:
                    path.write_bytes(data)
            raise
        names = ", ".join(self.ws.paths.rel(p) for p, _, _ in planned)
        return ToolOutput(f"Applied the patch to {len(planned)} file(s): {names}.")

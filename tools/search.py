"""Fast text search for the model: ripgrep when installed, a Python walk otherwise; .gitignore honoured.

Results are `path:line: text`, capped, and never from files that look like credentials.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tools.paths import ToolError
from tools.schema import ToolOutput, ToolSchema
from tools.workspace import Workspace

MAX_RESULTS = 200
_SKIP = {".git", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".dial", ".mypy_cache", ".pytest_cache"}


class SearchTool:
    schema = ToolSchema(
        name="search",
        description=(
            "Search file contents (ripgrep syntax regex, or literal text with fixed_strings). Honours .gitignore. "
            "Returns path:line: text for each hit."
        ),
        parameters={
            "type": "object",
            "properties": {
                "pattern": {"type": "string"},
                "path": {"type": "string", "description": "File or directory to search, relative to the root (default: all)."},
                "glob": {"type": "string", "description": "Only files matching this glob, e.g. '*.py'."},
                "fixed_strings": {"type": "boolean", "description": "Treat pattern as literal text."},
                "case_insensitive": {"type": "boolean"},
                "max_results": {"type": "integer"},
            },
            "required": ["pattern"],
        },
    )

    def __init__(self, ws: Workspace, rg: str | None = None) -> None:
        self.ws = ws
        self.rg = rg if rg is not None else (shutil.which("rg") or "")

    def execute(self, args: dict[str, Any]) -> ToolOutput:
        pattern = args.get("pattern")
        if not isinstance(pattern, str) or not pattern:
            raise ToolError("search needs `pattern`.")
        target = self.ws.paths.resolve(args.get("path") or ".")
        limit = max(1, min(int(args.get("max_results") or 100), MAX_RESULTS))
        fixed = bool(args.get("fixed_strings"))
        icase = bool(args.get("case_insensitive"))
        glob = args.get("glob") if isinstance(args.get("glob"), str) else None
        if not fixed:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ToolError(f"invalid regex: {exc}; set fixed_strings to search literal text.") from None
        hits = self._rg(pattern, target, fixed, icase, glob, limit) if self.rg else None
        if hits is None:
            hits = self._python(pattern, target, fixed, icase, glob, limit)
        if not hits:
            return ToolOutput(f"No matches for {pattern!r}.")
        more = f"\n[... stopped at {limit} results; narrow the search with path or glob]" if len(hits) >= limit else ""
        return ToolOutput("\n".join(hits[:limit]) + more)

    def _visible(self, rel: str) -> bool:
        return not self.ws.secrets.is_secret(rel)

    def _rg(self, pattern: str, target: Path, fixed: bool, icase: bool, glob: str | None, limit: int) -> list[str] | None:
        argv = [self.rg, "--line-number", "--no-heading", "--color=never", "--no-require-git", "--max-columns=300",
                "--max-columns-preview", "--max-count=20", "--glob=!.git", "--glob=!.dial"]
        if fixed:
            argv.append("--fixed-strings")
        if icase:
            argv.append("--ignore-case")
        if glob:
            argv.append(f"--glob={glob}")
        argv += ["-e", pattern, "--", os.path.relpath(target, self.ws.root)]
        try:
            proc = subprocess.run(argv, cwd=self.ws.root, capture_output=True, text=True, timeout=30, errors="replace")
        except (OSError, subprocess.TimeoutExpired):
            return None
        if proc.returncode not in (0, 1):
            return None
        out: list[str] = []
        for line in proc.stdout.splitlines():
            rel = line.split(":", 1)[0]
            if rel.startswith("./"):
                rel = rel[2:]
                line = line[2:]
            if self._visible(rel):
                out.append(line)
                if len(out) >= limit:
                    break
        return out

    def _python(self, pattern: str, target: Path, fixed: bool, icase: bool, glob: str | None, limit: int) -> list[str]:
        flags = re.IGNORECASE if icase else 0
        rx = re.compile(re.escape(pattern) if fixed else pattern, flags)
        ignore = _gitignore(self.ws.root)
        files = [target] if target.is_file() else _walk(target, self.ws.root, ignore)
        out: list[str] = []
        for path in files:
            rel = os.path.relpath(path, self.ws.root).replace(os.sep, "/")
            if not self._visible(rel) or (glob and not fnmatch.fnmatch(path.name, glob) and not fnmatch.fnmatch(rel, glob)):
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if b"\x00" in data[:4096]:
                continue
            for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
                if rx.search(line):
                    out.append(f"{rel}:{n}:{line[:300]}")
                    if len(out) >= limit:
                        return out
        return out


def _gitignore(root: Path) -> list[str]:
    try:
        text = (root / ".gitignore").read_text(errors="replace")
    except OSError:
        return []
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith(("#", "!"))]


def _ignored(rel: str, name: str, patterns: list[str]) -> bool:
    for pat in patterns:
        p = pat.rstrip("/")
        if p.startswith("/"):
            if fnmatch.fnmatch(rel, p[1:]):
                return True
        elif fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p):
            return True
    return False


def _walk(target: Path, root: Path, ignore: list[str]) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(target):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP and not d.startswith(".") and not _ignored(rel_dir + d, d, ignore))
        for name in sorted(filenames):
            if not _ignored(rel_dir + name, name, ignore):
                out.append(Path(dirpath) / name)
    return out

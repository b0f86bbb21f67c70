"""Rendering the prompt templates in `prompts/` and reading the repo's own instructions for agents.

Templates are package data rendered with StrictUndefined: a variable the code forgot to pass is an error,
not a silently empty prompt.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2

# Files in which repositories tell coding agents how to work, in the order they are given to the model.
INSTRUCTION_FILES = (
    "AGENTS.md",
    "CLAUDE.md",
    ".github/copilot-instructions.md",
    "GEMINI.md",
    ".cursorrules",
    "CONVENTIONS.md",
)
INSTRUCTIONS_MAX_CHARS = 12_000  # per file; a longer file is cut with a marker


@dataclass(frozen=True)
class InstructionDoc:
    path: str
    text: str


def template_root(package: str = "prompts") -> Any:
    """The templates' directory, as package data shipped with dial."""
    return files(package)


class Prompts:
    """The template set; one Environment per run (no global state)."""

    def __init__(self, package: str = "prompts") -> None:
        root = template_root(package)
        self._env = jinja2.Environment(
            loader=jinja2.FunctionLoader(lambda name: root.joinpath(name).read_text(encoding="utf-8")),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            autoescape=False,
        )

    def render(self, name: str, **variables: Any) -> str:
        return self._env.get_template(f"{name}.j2").render(**variables).strip() + "\n"


def repo_instructions(root: Path, max_chars: int = INSTRUCTIONS_MAX_CHARS) -> list[InstructionDoc]:
    """The repo's AGENTS.md / CLAUDE.md / copilot-instructions-style files that exist, each cut to max_chars."""
    docs: list[InstructionDoc] = []
    for rel in INSTRUCTION_FILES:
        path = root / rel
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            continue
        if len(text) > max_chars:
            text = text[:max_chars] + f"\n[... cut at {max_chars} characters]"
        if text:
            docs.append(InstructionDoc(rel, text))
    return docs


def code_excerpt(root: Path, rel: str, start: int, end: int, max_lines: int = 80) -> str:
    """Numbered lines of a planned site, so the model need not spend a tool call to see it."""
    try:
        lines = (root / rel).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    start = max(1, start)
    end = min(len(lines), end, start + max_lines - 1)
    return "\n".join(f"{n:>5}  {lines[n - 1]}" for n in range(start, end + 1))

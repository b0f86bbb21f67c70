"""Does a file still parse? `compile` for Python, tree-sitter error nodes for other languages.

Used after every edit: an edit that introduces a syntax error is rolled back and the model is shown
the offending lines, which is cheaper than discovering it from a failing test run.
"""

from __future__ import annotations

import warnings
from typing import Any

EXT_LANG = {
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".tsx": "tsx", ".go": "go", ".rs": "rust", ".java": "java",
    ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp",
    ".rb": "ruby", ".php": "php", ".cs": "csharp", ".json": "json", ".toml": "toml",
    ".yaml": "yaml", ".yml": "yaml", ".sh": "bash", ".kt": "kotlin", ".swift": "swift",
    ".scala": "scala", ".lua": "lua",
}


def syntax_errors(name: str, text: str, *, limit: int = 5) -> list[tuple[int, str]]:
    """(1-based line, message) for each syntax error found; empty when it parses or the language is unknown."""
    lower = name.lower()
    if lower.endswith((".py", ".pyi")):
        return _python_errors(name, text)
    ext = "." + lower.rsplit(".", 1)[-1] if "." in lower else ""
    lang = EXT_LANG.get(ext)
    if lang is None:
        return []
    parser = _parser(lang)
    if parser is None:
        return []
    tree = parser.parse(text.encode("utf-8", "surrogatepass"))
    if not tree.root_node.has_error:
        return []
    out: list[tuple[int, str]] = []
    stack = [tree.root_node]
    while stack and len(out) < limit:
        node = stack.pop()
        if node.is_missing:
            out.append((node.start_point[0] + 1, f"missing {node.type}"))
        elif node.type == "ERROR":
            out.append((node.start_point[0] + 1, "syntax error"))
            continue
        if node.has_error:
            stack.extend(reversed(node.children))
    return sorted(out) or [(1, "syntax error")]


def _python_errors(name: str, text: str) -> list[tuple[int, str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, name, "exec", dont_inherit=True)
        except SyntaxError as exc:
            return [(exc.lineno or 1, exc.msg)]
        except ValueError as exc:  # e.g. NUL bytes
            return [(1, str(exc))]
    return []


def _parser(lang: str) -> Any | None:
    try:
        from tree_sitter_language_pack import get_parser

        return get_parser(lang)  # type: ignore[arg-type]
    except Exception:  # a missing grammar means "cannot check", not "broken"
        return None

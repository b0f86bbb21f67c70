"""Which files are which language, and where each language's tag query lives.

A language is indexed when `queries/<name>.scm` exists. Its extensions come from `EXTENSIONS` or from a
`; extensions: .kt .kts` line at the top of the query file, so a new language needs a query file alone; a
`; inherits: typescript` line makes a dialect's file extend another language's query.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path, PurePosixPath

QUERY_DIR = Path(__file__).parent / "queries"

# Known extension -> tree-sitter-language-pack name (only languages with a query file are used).
EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go", ".rs": "rust", ".java": "java",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
    ".rb": "ruby",
    ".cs": "csharp", ".php": "php", ".kt": "kotlin", ".kts": "kotlin", ".scala": "scala",
    ".swift": "swift", ".lua": "lua", ".ex": "elixir", ".exs": "elixir", ".dart": "dart",
}

_EXT_LINE = re.compile(r"^;\s*extensions:\s*(.+)$", re.MULTILINE)


@lru_cache(maxsize=1)
def language_table() -> dict[str, str]:
    """Extension -> language for every language that has a query file."""
    available = {p.stem: p for p in QUERY_DIR.glob("*.scm")}
    table = {ext: lang for ext, lang in EXTENSIONS.items() if lang in available}
    for lang, path in available.items():
        head = path.read_text(encoding="utf-8")[:500]
        match = _EXT_LINE.search(head)
        if match:
            for ext in match.group(1).split():
                table[ext if ext.startswith(".") else "." + ext] = lang
    return table


def language_for(path: str) -> str | None:
    """Language of a repo-relative path by extension (string ops only: this runs for every file, every update)."""
    dot = path.rfind(".")
    if dot <= path.rfind("/") + 1 or dot == len(path) - 1:
        return None
    return language_table().get(path[dot:].lower())


_INHERITS_LINE = re.compile(r"^;\s*inherits:\s*(\S+)\s*$", re.MULTILINE)


def query_source(language: str, _seen: frozenset[str] = frozenset()) -> str:
    """The language's tag query. A `; inherits: other` line at the top prepends `other`'s query, so a dialect
    (TSX is TypeScript plus JSX) holds only what it adds."""
    text = (QUERY_DIR / f"{language}.scm").read_text(encoding="utf-8")
    match = _INHERITS_LINE.search(text[:500])
    if match is None or match.group(1) in _seen | {language}:
        return text
    return query_source(match.group(1), _seen | {language}) + "\n" + text


_TEST_DIRS = {"test", "tests", "testing", "__tests__", "spec", "specs", "test_utils"}
_TEST_NAME = re.compile(
    r"(^test_.*\.py$|.*_test\.py$|^tests?\.py$|^conftest\.py$|.*_test\.go$|.*\.(test|spec)\.[jt]sx?$"
    r"|.*Tests?\.java$|.*_spec\.rb$|.*_test\.rb$|^test_.*\.(c|cc|cpp)$|.*_test\.(c|cc|cpp)$)"
)


def is_test_path(path: str) -> bool:
    """A test file by the usual conventions of each language (directory or file name)."""
    parts = PurePosixPath(path).parts
    if any(part.lower() in _TEST_DIRS for part in parts[:-1]):
        return True
    return bool(_TEST_NAME.match(parts[-1])) if parts else False


def module_name(path: str, language: str) -> str:
    """Dotted module name of a file: `pkg/mod.py` -> `pkg.mod`, `pkg/__init__.py` -> `pkg`, `src/` dropped."""
    pure = PurePosixPath(path)
    parts = list(pure.with_suffix("").parts)
    if language == "python" and parts and parts[-1] == "__init__":
        parts.pop()
    if len(parts) > 1 and parts[0] in ("src", "lib"):
        parts = parts[1:]
    return ".".join(p.replace(".", "_") for p in parts) or pure.stem

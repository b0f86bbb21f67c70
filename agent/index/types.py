"""Plain data the index hands out: symbols, references, stats and the rendered map.

Kept free of SQLite and tree-sitter so callers (planner, tools) can depend on the shapes alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Symbol:
    """One definition. Lines are 1-based and inclusive; `signature` is the definition's first line."""

    id: int
    name: str
    qualname: str
    kind: str
    path: str
    language: str
    start_line: int
    end_line: int
    signature: str
    doc: str = ""


@dataclass(frozen=True)
class Reference:
    """One use of a name; `enclosing_id` is the innermost definition around it (a module symbol at top level)."""

    name: str
    path: str
    line: int
    kind: str
    enclosing_id: int | None = None


@dataclass
class IndexStats:
    """What one `update()` found and did; `as_dict()` is the `dial index --json` shape."""

    files: int = 0
    symbols: int = 0
    references: int = 0
    edges: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    reparsed: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["seconds"] = round(self.seconds, 3)
        return out


@dataclass(frozen=True)
class MapSymbol:
    name: str
    kind: str
    line: int


@dataclass(frozen=True)
class MapFile:
    path: str
    score: float
    symbols: list[MapSymbol]


@dataclass(frozen=True)
class RepoMap:
    """A ranked, token-bounded view of the repo: files best first, each with its chosen symbols."""

    text: str
    tokens: int
    files: list[MapFile]

    def as_dict(self) -> dict[str, object]:
        return {
            "files": [
                {
                    "path": f.path,
                    "score": round(f.score, 6),
                    "symbols": [{"name": s.name, "kind": s.kind, "line": s.line} for s in f.symbols],
                }
                for f in self.files
            ],
            "text": self.text,
            "tokens": self.tokens,
        }


def estimate_tokens(text: str) -> int:
    """Token estimate: one token per 4 characters, rounded up (the usual rule of thumb for code and English).

    Callers with a real tokenizer pass their own counter to `repo_map`; this one needs no model.
    """
    return (len(text) + 3) // 4

"""Symbol lookups from dial's index: definitions, references, and a repo map for a query.

Cheaper than grepping for the model, and current: the toolbox refreshes the index after every edit.
"""

from __future__ import annotations

from typing import Any

from tools.paths import ToolError
from tools.protocols import IndexLike
from tools.schema import ToolOutput, ToolSchema

MAX_ITEMS = 60


class SymbolsTool:
    schema = ToolSchema(
        name="symbols",
        description=(
            "Look up code symbols in the repository index. action=definition: where `name` is defined (with "
            "signature); action=references: where `name` is used; action=repo_map: a ranked outline of the "
            "files and definitions most relevant to `query`."
        ),
        parameters={
            "type": "object",
            "properties": {
                "action": {"type": "string", "enum": ["definition", "references", "repo_map"]},
                "name": {"type": "string", "description": "Symbol name (definition/references)."},
                "query": {"type": "string", "description": "Words or identifiers (repo_map)."},
                "tokens": {"type": "integer", "description": "repo_map size in tokens (default 1024)."},
            },
            "required": ["action"],
        },
    )

    def __init__(self, index: IndexLike | None) -> None:
        self.index = index

    def execute(self, args: dict[str, Any]) -> ToolOutput:
        if self.index is None:
            raise ToolError("no symbol index is available in this run; use the search tool instead.")
        action = args.get("action")
        if action == "repo_map":
            tokens = args.get("tokens") or 1024
            tokens = max(128, min(int(tokens), 8192)) if isinstance(tokens, int) else 1024
            result = self.index.repo_map(str(args.get("query") or ""), tokens=tokens)
            return ToolOutput(getattr(result, "text", str(result)) or "(the repo map is empty)")
        name = args.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ToolError(f"action {action!r} needs `name`.")
        name = name.strip()
        if action == "definition":
            items = self.index.definitions(name)
            if not items:
                return ToolOutput(f"No definition of {name!r} in the index. Try search, or a shorter name.")
            rows = [
                f"{d.path}:{d.start_line}-{d.end_line} {d.kind} {getattr(d, 'qualname', None) or d.name}"
                + (f"  {d.signature}" if getattr(d, "signature", None) else "")
                for d in items[:MAX_ITEMS]
            ]
            return ToolOutput(_with_more(rows, len(items)))
        if action == "references":
            items = self.index.references(name)
            if not items:
                return ToolOutput(f"No references to {name!r} in the index.")
            rows = [f"{r.path}:{r.line} {getattr(r, 'kind', '') or 'ref'} {r.name}" for r in items[:MAX_ITEMS]]
            return ToolOutput(_with_more(rows, len(items)))
        raise ToolError("action must be one of: definition, references, repo_map.")


def _with_more(rows: list[str], total: int) -> str:
    text = "\n".join(rows)
    if total > len(rows):
        text += f"\n[... {total - len(rows)} more not shown]"
    return text

"""A scripted coder for the loopback Anthropic server: answers from the conversation it is sent.

It reads the last user message the loop sent: an edit request names a file; a repair request says the
tests fail. It applies the next scripted fix for that file with the real text editor tool, over the real wire
format, thinking in proportion to the budget it was given (so escalation shows in the usage).
"""

from __future__ import annotations

import re
from typing import Any

from tests.servers.script import Reply, reply_text, reply_tool_use

EDITOR = "str_replace_based_edit_tool"
_EDIT = re.compile(r"Edit \d+ of \d+: `([^`]*)` in (\S+), lines")


class ScriptedCoder:
    """fixes: path -> [(old, new), ...] applied in order: the first when the loop asks to edit the planned site
    `sites[path]` (a function name) in that file, the rest on repairs. Any other site "needs no change".
    Without `sites`, the first edit request for any site in the file gets the fix."""

    def __init__(self, fixes: dict[str, list[tuple[str, str]]], sites: dict[str, str] | None = None) -> None:
        self.pending = {path: list(steps) for path, steps in fixes.items()}
        self.sites = dict(sites) if sites is not None else None
        self.seen: list[dict[str, Any]] = []  # per request: kind, thinking budget

    def fixes_site(self, path: str, symbol: str) -> bool:
        """Whether an edit request for this planned site gets a fix (and so a two-call turn)."""
        if self.sites is None:
            return path in self.pending
        return path in self.sites and symbol.rsplit(".", 1)[-1] == self.sites[path]

    def __call__(self, body: dict[str, Any]) -> Reply:
        thinking = body.get("thinking") or {}
        budget = thinking.get("budget_tokens", 0) if thinking.get("type") == "enabled" else 0
        effort = body.get("reasoning_effort")  # the OpenAI wire format's knob
        if effort and effort not in ("none", "minimal"):
            budget = {"low": 1024, "medium": 4096, "high": 16384, "xhigh": 32768}.get(effort, 1024)
        text, is_result = _last_message(body["messages"][-1])
        kind = "result" if is_result else "repair" if "The tests fail" in text else "edit"
        self.seen.append({"kind": kind, "budget": budget, "effort": effort, "text": text})
        thought = self._thought(budget)
        if kind == "result":
            return reply_text("Done: the change is in.", thinking=thought)
        path = None
        if kind == "edit":
            m = _EDIT.search(text)
            if m and self.fixes_site(m.group(2), m.group(1)) and self.pending.get(m.group(2)):
                path = m.group(2)
        else:
            path = next((p for p, steps in self.pending.items() if steps and p in text), None) or next(
                (p for p, steps in self.pending.items() if steps), None)
        if path is None:
            return reply_text("This site needs no change.", thinking=thought)
        old, new = self.pending[path].pop(0)
        return reply_tool_use(EDITOR, {"command": "str_replace", "path": path, "old_str": old, "new_str": new},
                              thinking=thought, text=f"Fixing {path}.")

    @staticmethod
    def _thought(budget: int) -> str | None:
        """Thinking text of about a quarter of the budget in tokens (4 chars a token), none when off."""
        if not budget:
            return None
        return ("Let me reason about the failing case step by step. " * (budget // 52 + 1))[: budget]


def _last_message(message: dict[str, Any]) -> tuple[str, bool]:
    """The text of the last message and whether it only carries tool results (Anthropic or OpenAI shape)."""
    if message.get("role") == "tool":
        return "", True
    content = message.get("content")
    blocks = content if isinstance(content, list) else [{"type": "text", "text": content or ""}]
    text = "\n".join(b.get("text", "") for b in blocks if b.get("type") == "text")
    results = any(b.get("type") == "tool_result" for b in blocks)
    return text, results and not text.strip()

"""A failure summary the model can act on: which tests, the assertion, the frames inside the repo.

Trimmed to a token budget (about 4 characters a token) so a run with hundreds of failures still fits.
"""

from __future__ import annotations

import os
from pathlib import Path

from tools.testing.results import TestCase, TestRun

CHARS_PER_TOKEN = 4


def summarize_failures(run: TestRun, token_limit: int, root: Path) -> str:
    budget = max(200, token_limit * CHARS_PER_TOKEN)
    head = run.headline()
    failed = run.failed
    if not failed:
        if run.passed:
            return head
        tail = run.output.strip()[-max(0, budget - len(head) - 40) :]
        reason = "timed out" if run.timed_out else "no per-test results"
        return f"{head}\n({reason}; end of the output:)\n{tail}"
    parts = [head]
    used = len(head) + 160  # room for the "... and N more failing" line
    shown = 0
    per_test = max(300, (budget - used) // max(1, min(len(failed), 8)))
    for case in failed:
        block = _case_block(case, Path(root), per_test)
        if used + len(block) > budget and shown:
            break
        parts.append(block)
        used += len(block) + 1
        shown += 1
    if shown < len(failed):
        rest = [c.nodeid for c in failed[shown:]]
        line = f"... and {len(rest)} more failing: " + ", ".join(rest)
        parts.append(line[:150])
    return "\n".join(parts)[:budget]


def _case_block(case: TestCase, root: Path, limit: int) -> str:
    lines = [f"FAILED {case.nodeid}" if case.outcome == "failed" else f"ERROR {case.nodeid}"]
    if case.message:
        lines.append("  " + _clip(case.message.strip(), 400).replace("\n", "\n  "))
    frames = [f for f in case.frames if _inside_repo(f.get("path"), root)]
    for f in frames[-6:]:
        msg = f" ({f['message']})" if f.get("message") else ""
        lines.append(f"  at {f.get('path')}:{f.get('line')}{msg}")
    if not frames and case.path:
        lines.append(f"  at {case.path}:{case.line}")
    if case.traceback and len("\n".join(lines)) < limit // 2:
        budget = limit - len("\n".join(lines)) - 20
        tb = case.traceback.strip()
        if len(tb) > budget:
            tb = "..." + tb[-budget:]
        lines.append("  " + tb.replace("\n", "\n  "))
    return _clip("\n".join(lines), limit)


def _inside_repo(path: str | None, root: Path) -> bool:
    if not path:
        return False
    if os.path.isabs(path):
        return str(path).startswith(str(root))
    return not path.startswith("..") and "site-packages" not in path and not path.startswith("<")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 20] + " ...[trimmed]"

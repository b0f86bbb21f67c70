"""Turn dial's diff into a PR review: GitHub suggested changes where GitHub allows them, a patch otherwise.

GitHub only accepts review comments on lines inside the PR's own diff hunks (a multi-line comment must stay
inside one hunk), so every suggestion is checked against the PR files' patches before it is sent; what does
not fit, or a diff too large to review as suggestions, goes into the review as a patch to `git apply`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from agent.integrations.diffs import Change, changes, commentable_lines, parse_diff

MAX_SUGGESTION_LINES = 60  # changed lines above which a patch reads better than a pile of suggestions
MAX_BODY_CHARS = 60_000  # GitHub rejects bodies over 65,536 characters


@dataclass
class ReviewPlan:
    comments: list[dict] = field(default_factory=list)  # ready for POST /pulls/{n}/reviews
    outside: list[Change] = field(default_factory=list)  # changes that could not be suggestions
    patch_needed: bool = False
    reason: str = ""


def fence(text: str, info: str) -> str:
    """A code fence longer than any backtick run inside `text`."""
    longest, run = 0, 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text}\n{ticks}" if text else f"{ticks}{info}\n{ticks}"


def patch_block(diff: str, summary: str) -> str:
    """The diff in a collapsible block, cut to fit a comment."""
    note = ""
    if len(diff) > MAX_BODY_CHARS:
        diff = diff[:MAX_BODY_CHARS]
        note = "\n\n(the patch is cut here; the full diff is in the run's artifact)"
    return f"<details><summary>{summary}</summary>\n\n{fence(diff.rstrip(chr(10)), 'diff')}{note}\n\n</details>"


def _allowed(path: str, start: int, end: int, spans: dict[str, list[set[int]]]) -> bool:
    wanted = set(range(start, end + 1))
    return any(wanted <= hunk for hunk in spans.get(path, []))


def _anchor(change: Change, read_lines: Callable[[str], list[str]]) -> tuple[int, int, list[str]] | None:
    """Lines the comment covers and the suggested replacement for them."""
    if change.old_lines:
        return change.start, change.end, list(change.new_lines)
    lines = read_lines(change.path)
    if change.start > 1 and change.start - 2 < len(lines):  # insertion: keep the line before, add after it
        prev = lines[change.start - 2]
        return change.start - 1, change.start - 1, [prev, *change.new_lines]
    if change.start - 1 < len(lines):  # insertion at the top: add before the first line
        return change.start, change.start, [*change.new_lines, lines[change.start - 1]]
    return None


def plan_review(
    diff: str,
    pr_files: list[dict],
    read_lines: Callable[[str], list[str]],
    max_lines: int = MAX_SUGGESTION_LINES,
) -> ReviewPlan:
    """Suggestions for the changes inside the PR's diff; the rest marked for a patch."""
    plan = ReviewPlan()
    files = parse_diff(diff)
    blocks = changes(files)
    changed = sum(len(c.old_lines) + len(c.new_lines) for c in blocks)
    unsuggestable = [f.path for f in files if f.binary or f.old_path != f.new_path]
    if unsuggestable:
        plan.patch_needed = True
        plan.reason = f"{len(unsuggestable)} file(s) added, deleted, renamed or binary"
    if changed > max_lines:
        plan.patch_needed = True
        plan.outside = blocks
        plan.reason = f"{changed} changed lines (suggestions are used up to {max_lines})"
        return plan
    spans = {f["filename"]: commentable_lines(f.get("patch") or "") for f in pr_files}
    for change in blocks:
        anchor = _anchor(change, read_lines)
        if anchor is None or not _allowed(change.path, anchor[0], anchor[1], spans):
            plan.outside.append(change)
            continue
        start, end, new_lines = anchor
        body = "dial suggests:\n\n" + fence("\n".join(new_lines), "suggestion")
        comment: dict = {"path": change.path, "line": end, "side": "RIGHT", "body": body}
        if start != end:
            comment.update(start_line=start, start_side="RIGHT")
        plan.comments.append(comment)
    if plan.outside:
        plan.patch_needed = True
        reason = f"{len(plan.outside)} change(s) fall outside the pull request's diff"
        plan.reason = f"{plan.reason}; {reason}" if plan.reason else reason
    return plan


def review_body(plan: ReviewPlan, diff: str, note: str = "") -> str:
    """The review's top text: what was suggested and, when needed, the patch."""
    parts = []
    if plan.comments:
        parts.append(f"dial suggests {len(plan.comments)} change(s) inline; accept them with *Commit suggestion*.")
    if plan.patch_needed:
        parts.append(f"Patch instead of suggestions for some or all of it: {plan.reason}. "
                     "Apply it with `git apply` (save the block as dial.patch).")
        parts.append(patch_block(diff, "dial's patch"))
    if note:
        parts.append(note)
    return "\n\n".join(parts)

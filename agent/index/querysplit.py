"""Split a tag query file into its definition patterns and its reference patterns.

Definitions need `matches()` (to pair a definition node with its name); references only need
`captures()`, which is several times cheaper per node. One query file stays the single source of truth.
"""

from __future__ import annotations


def top_level_patterns(source: str) -> list[str]:
    """Each top-level pattern of a query, with its trailing captures and quantifiers, comments dropped."""
    patterns: list[str] = []
    depth = 0
    start = -1
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == ";" :
            nl = source.find("\n", i)
            i = n if nl < 0 else nl
            continue
        if ch == '"':
            i += 1
            while i < n and source[i] != '"':
                i += 2 if source[i] == "\\" else 1
        elif ch in "([":
            if depth == 0:
                start = i
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth == 0 and start >= 0:
                end = i + 1
                while end < n and source[end] not in "\n;([":
                    end += 1
                patterns.append(source[start:end].strip())
                i, start = end, -1
                continue
        i += 1
    return patterns


def split_query(source: str) -> tuple[str, str]:
    """(definition patterns, reference and import patterns) as two query sources."""
    defs: list[str] = []
    refs: list[str] = []
    for pattern in top_level_patterns(source):
        if "@definition." in pattern or "@scope" in pattern:
            defs.append(pattern)
        else:
            refs.append(pattern)
    return "\n".join(defs), "\n".join(refs)

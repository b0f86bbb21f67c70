"""Pick the tests worth running first: those that reach the changed symbols through test -> code edges."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

from tools.protocols import IndexLike

_TEST_FILE = re.compile(r"(^|/)(test_[^/]*|[^/]*_test\.\w+|[^/]*\.(test|spec)\.\w+|tests?/[^/]+)$")


def is_test_file(path: str) -> bool:
    return bool(_TEST_FILE.search(path))


def select_tests(index: IndexLike, changed: Iterable[Any], root: Path) -> list[str]:
    """`changed` holds (path, start_line, end_line) spans or symbol ids; returns test files, existing ones only."""
    ids: list[Any] = []
    tests: set[str] = set()
    for item in changed:
        if isinstance(item, tuple) and len(item) == 3:
            path, start, end = item
            if is_test_file(str(path)):
                tests.add(str(path))
            seen: set[Any] = set()
            for line in range(int(start), int(end) + 1):
                sym = index.symbol_at(str(path), line)
                if sym is not None and sym.id not in seen:
                    seen.add(sym.id)
                    ids.append(sym.id)
        else:
            ids.append(item)
    if ids:
        tests.update(index.tests_for_symbols(ids))
    root = Path(root)
    return sorted(t for t in tests if (root / t).exists())

"""Work out how a repository runs its tests, from the files it has.

Order: explicit pytest configuration, go.mod, Cargo.toml, package.json's test script, Python test files
(pytest if they use it, unittest otherwise), then a Makefile `test` target.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

from tools.testing.results import TestCommand

_PYTEST_CFG = re.compile(r"^\[(tool:pytest|pytest|tool\.pytest\.ini_options)\]", re.M)


def python_for(root: Path) -> str:
    """The repository's own virtualenv interpreter when it has one, else the one running dial."""
    for name in (".venv", "venv", "env"):
        candidate = root / name / "bin" / "python"
        if candidate.exists():
            return str(candidate)
    return sys.executable


def detect_test_command(root: Path) -> TestCommand | None:
    root = Path(root)
    if _has_pytest_config(root):
        return TestCommand([python_for(root), "-m", "pytest"], "pytest")
    if (root / "go.mod").exists():
        return TestCommand(["go", "test", "-json", "./..."], "go")
    if (root / "Cargo.toml").exists():
        return TestCommand(["cargo", "test"], "cargo")
    npm = _npm_test(root)
    if npm:
        return npm
    py_tests = _python_test_files(root)
    if py_tests:
        uses_pytest = any(_mentions(p, ("import pytest", "from pytest", "pytest.")) for p in py_tests[:50])
        uses_unittest = any(_mentions(p, ("import unittest", "from unittest")) for p in py_tests[:50])
        if uses_unittest and not uses_pytest:
            return TestCommand([python_for(root), "-m", "unittest", "-v"], "unittest")
        return TestCommand([python_for(root), "-m", "pytest"], "pytest")
    if _make_test(root):
        return TestCommand(["make", "test"], "make")
    return None


def _has_pytest_config(root: Path) -> bool:
    if (root / "pytest.ini").exists() or (root / "conftest.py").exists():
        return True
    for name in ("pyproject.toml", "setup.cfg", "tox.ini"):
        try:
            if _PYTEST_CFG.search((root / name).read_text(errors="replace")):
                return True
        except OSError:
            continue
    return False


def _npm_test(root: Path) -> TestCommand | None:
    try:
        pkg = json.loads((root / "package.json").read_text())
    except (OSError, ValueError):
        return None
    script = (pkg.get("scripts") or {}).get("test") if isinstance(pkg, dict) else None
    if not script or "no test specified" in script:
        return None
    return TestCommand(["npm", "test", "--silent"], "npm")


def _python_test_files(root: Path) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in ("node_modules", "venv", "env", "__pycache__", "build", "dist")]
        for name in filenames:
            if name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")):
                out.append(Path(dirpath) / name)
        if len(out) >= 200:
            break
    return out


def _mentions(path: Path, needles: tuple[str, ...]) -> bool:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return False
    return any(n in text for n in needles)


def _make_test(root: Path) -> bool:
    for name in ("Makefile", "makefile", "GNUmakefile"):
        try:
            if re.search(r"^test\s*:", (root / name).read_text(errors="replace"), re.M):
                return True
        except OSError:
            continue
    return False

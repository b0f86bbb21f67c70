"""search honours .gitignore with ripgrep and with the Python fallback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tools.search import SearchTool
from tools.workspace import Workspace


def make_repo(root: Path) -> None:
    (root / ".gitignore").write_text("build/\n*.log\n")
    (root / "build").mkdir()
    (root / "build" / "out.py").write_text("def target(): pass\n")
    (root / "run.log").write_text("target\n")
    (root / "src").mkdir()
    (root / "src" / "core.py").write_text("import os\n\ndef target():\n    return 1\n")
    (root / "src" / "other.txt").write_text("Target in text\n")


@pytest.mark.parametrize("use_rg", [True, False])
def test_search_finds_matches_and_skips_ignored(tmp_path: Path, use_rg: bool) -> None:
    if use_rg and not shutil.which("rg"):
        pytest.skip("ripgrep not installed")
    make_repo(tmp_path)
    tool = SearchTool(Workspace(tmp_path), rg=None if use_rg else "")
    out = tool.execute({"pattern": r"def target\("}).text
    assert out == "src/core.py:3:def target():"
    ci = tool.execute({"pattern": "target", "case_insensitive": True, "glob": "*.txt"}).text
    assert ci == "src/other.txt:1:Target in text"
    none = tool.execute({"pattern": "nothing_here_xyz"}).text
    assert none.startswith("No matches")


def test_bad_regex_is_a_tool_error(tmp_path: Path) -> None:
    from tools.paths import ToolError

    with pytest.raises(ToolError):
        SearchTool(Workspace(tmp_path)).execute({"pattern": "("})

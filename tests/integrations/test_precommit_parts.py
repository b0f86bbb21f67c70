"""The hook's pieces in-process: staged lines, test selection through the graph, and which Python runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from agent.index import RepoIndex
from agent.integrations.precommit import check, clean_path, repo_python, select_tests, staged_changes

FILES = {
    "pyproject.toml": '[project]\nname = "p"\nversion = "0"\n\n[tool.pytest.ini_options]\npythonpath = ["."]\n',
    "shapes.py": (
        "class Square:\n    def __init__(self, side):\n        self.side = side\n\n"
        "    def area(self):\n        return self.side * self.side\n\n\n"
        "def unit():\n    return Square(1)\n"
    ),
    "report.py": "from shapes import unit\n\n\ndef describe():\n    return f'unit area {unit().area()}'\n",
    "tests/test_shapes.py": "from shapes import Square\n\n\ndef test_area():\n    assert Square(3).area() == 9\n",
    "tests/test_report.py": "from report import describe\n\n\ndef test_describe():\n    assert describe() == 'unit area 1'\n",
    "tests/test_misc.py": "def test_misc():\n    assert 1 + 1 == 2\n",
}
ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@t"}


def make_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "p"
    for name, text in FILES.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "init"]):
        subprocess.run(["git", *args], cwd=repo, env=ENV, check=True, capture_output=True)
    return repo


def stage(repo: Path, path: str, old: str, new: str) -> None:
    target = repo / path
    target.write_text(target.read_text().replace(old, new))
    subprocess.run(["git", "add", path], cwd=repo, env=ENV, check=True)


def test_staged_lines_and_selection_through_the_graph(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    stage(repo, "shapes.py", "return Square(1)", "return Square(2)")
    (repo / "report.py").write_text("# unstaged edit\n" + (repo / "report.py").read_text())
    changes = staged_changes(repo, [])
    assert changes == {"shapes.py": {10}}  # staged only: the unstaged report.py edit is not there
    with RepoIndex.open(repo) as index:
        index.update(progress=False)
        sel = select_tests(index, changes, ["shapes.py"])
        assert sel.symbols == ["shapes.unit"]
        assert sel.tests == ["tests/test_report.py"]  # unit <- report.describe <- test_describe; not test_shapes
        # a changed method counts as a change to its class, which the tests reference
        method = select_tests(index, {"shapes.py": {6}}, ["shapes.py"])
        assert method.symbols == ["shapes.Square.area"] and "tests/test_shapes.py" in method.tests
        # a file passed without a staged change (`--all-files`) counts as a whole; staged tests run themselves
        whole = select_tests(index, {}, ["shapes.py", "tests/test_misc.py"])
        assert set(whole.tests) == {"tests/test_shapes.py", "tests/test_report.py", "tests/test_misc.py"}


def test_check_runs_only_the_reached_tests_and_names_the_failure(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    (repo / "tests/test_misc.py").write_text("def test_misc():\n    assert False, 'unrelated'\n")
    subprocess.run(["git", "commit", "-qam", "unrelated failure"], cwd=repo, env=ENV, check=True)
    stage(repo, "shapes.py", "return Square(1)", "return Square(2)")
    lines: list[str] = []
    result = check(repo, ["shapes.py"], {**os.environ, "PRE_COMMIT": ""}, echo=lines.append)
    out = "\n".join(lines)
    assert not result.passed and [n for n, _ in result.failed] == ["tests/test_report.py::test_describe"]
    assert "assert 'unit area 4' == 'unit area 1'" in out and "unrelated" not in out
    assert f"the Python running dial ({sys.executable})" in out

    (repo / ".dial.toml").write_text('[tests]\ncommand = "python -m pytest -q"\n')
    lines.clear()
    assert not check(repo, ["shapes.py"], dict(os.environ), echo=lines.append).passed
    assert "the configured test command `python -m pytest -q`" in lines[0]


def test_repo_python_prefers_the_repos_venv_and_skips_the_hook_env(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    hook_env = tmp_path / "hookenv"
    (hook_env / "bin").mkdir(parents=True)
    env = {"PRE_COMMIT": "1", "VIRTUAL_ENV": str(hook_env), "PATH": f"{hook_env / 'bin'}{os.pathsep}/usr/bin:/bin"}
    assert clean_path(env) == "/usr/bin:/bin"
    (repo / ".venv" / "bin").mkdir(parents=True)
    (repo / ".venv" / "bin" / "python").symlink_to(sys.executable)
    assert repo_python(repo, env) == (str(repo / ".venv" / "bin" / "python"), "the repository's virtualenv .venv/")
    (repo / ".venv" / "bin" / "python").unlink()
    python, how = repo_python(repo, env)  # our parent is pytest's Python, not a pre-commit: PATH outside the hook
    assert not python.startswith(str(hook_env)) and Path(python).exists()
    assert "outside the hook environment" in how or "the Python that started pre-commit" in how

"""Test results as data: real pytest/unittest runs of sample projects through a local SandboxLike."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

from tools.testing import TestCommand, TestRun, TestCase, detect_test_command, run_tests, select_tests, summarize_failures
from tools.testing.parsers import parse_cargo, parse_go_json

SAMPLE = '''
import pytest
from calc import add

def test_add():
    assert add(2, 2) == 4

def test_add_wrong():
    assert add(2, 2) == 5, "two and two"

@pytest.fixture
def broken():
    raise RuntimeError("fixture exploded")

def test_uses_broken(broken):
    pass

@pytest.mark.skip(reason="not today")
def test_skipped():
    pass

@pytest.mark.xfail
def test_xfail():
    assert False

@pytest.mark.xfail
def test_xpass():
    assert True

def test_noisy():
    print("x" * 100000)
    assert add(1, 1) == 3
'''


def make_project(root: Path) -> None:
    (root / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_calc.py").write_text(SAMPLE)
    (root / "pyproject.toml").write_text("[tool.pytest.ini_options]\npythonpath = ['.']\n")


def test_pytest_plugin_reports_each_outcome(tmp_path: Path, local_sandbox) -> None:
    make_project(tmp_path)
    command = detect_test_command(tmp_path)
    assert command is not None and command.framework == "pytest"
    run = run_tests(local_sandbox, tmp_path, command, reruns=0)
    outcomes = {c.nodeid.split("::")[1]: c.outcome for c in run.cases}
    assert outcomes == {"test_add": "passed", "test_add_wrong": "failed", "test_uses_broken": "error",
                        "test_skipped": "skipped", "test_xfail": "xfail", "test_xpass": "xpass", "test_noisy": "failed"}
    assert not run.passed and run.exit_code == 1
    wrong = next(c for c in run.cases if c.nodeid.endswith("test_add_wrong"))
    assert wrong.path == "tests/test_calc.py" and wrong.line == 9
    assert "two and two" in wrong.message and wrong.frames[-1]["path"] == "tests/test_calc.py"
    assert "x" * 1000 not in run.output  # --show-capture=no keeps the noisy test's output out
    assert not (tmp_path / ".dial").exists()  # the results file is cleaned up
    assert "-p" in local_sandbox.calls[0] and "dial_pytest_results" in local_sandbox.calls[0]


def test_selection_and_signature(tmp_path: Path, local_sandbox) -> None:
    make_project(tmp_path)
    command = TestCommand([sys.executable, "-m", "pytest"], "pytest")
    run = run_tests(local_sandbox, tmp_path, command, select=["tests/test_calc.py::test_add"])
    assert run.passed and [c.nodeid for c in run.cases] == ["tests/test_calc.py::test_add"]
    a = run_tests(local_sandbox, tmp_path, command, select=["tests/test_calc.py::test_add_wrong"], reruns=0)
    b = run_tests(local_sandbox, tmp_path, command, select=["tests/test_calc.py::test_add_wrong"], reruns=0)
    assert a.signature() == b.signature() != run.signature()
    (tmp_path / "calc.py").write_text("def add(a, b):\n    return 5\n")
    c = run_tests(local_sandbox, tmp_path, command, select=["tests/test_calc.py::test_add_wrong"], reruns=0)
    assert c.passed


def test_flaky_test_is_flagged_by_rerun(tmp_path: Path, local_sandbox) -> None:
    (tmp_path / "test_flaky.py").write_text(
        "from pathlib import Path\n\ndef test_sometimes():\n    marker = Path(__file__).with_name('ran')\n"
        "    first = not marker.exists()\n    marker.write_text('1')\n    assert not first\n\n"
        "def test_always_fails():\n    assert 1 == 2\n"
    )
    command = TestCommand([sys.executable, "-m", "pytest"], "pytest")
    run = run_tests(local_sandbox, tmp_path, command)
    assert run.flaky == ["test_flaky.py::test_sometimes"]
    assert [c.nodeid for c in run.failed] == ["test_flaky.py::test_always_fails"]
    assert not run.passed and "flaky" in run.headline()


def test_collection_error_is_reported(tmp_path: Path, local_sandbox) -> None:
    (tmp_path / "test_broken.py").write_text("import does_not_exist_anywhere\n\ndef test_x():\n    pass\n")
    run = run_tests(local_sandbox, tmp_path, TestCommand([sys.executable, "-m", "pytest"], "pytest"), reruns=0)
    assert not run.passed
    assert run.failed and run.failed[0].outcome == "error" and "does_not_exist_anywhere" in run.failed[0].message


def test_unittest_results_are_parsed(tmp_path: Path, local_sandbox) -> None:
    (tmp_path / "test_u.py").write_text(
        "import unittest\n\nclass T(unittest.TestCase):\n    def test_ok(self):\n        self.assertEqual(1, 1)\n\n"
        "    def test_bad(self):\n        self.assertEqual(1, 2)\n"
    )
    command = detect_test_command(tmp_path)
    assert command is not None and command.framework == "unittest"
    run = run_tests(local_sandbox, tmp_path, command, reruns=0)
    outcomes = {c.nodeid: c.outcome for c in run.cases}
    assert outcomes == {"test_u.T.test_ok": "passed", "test_u.T.test_bad": "failed"}
    assert "1 != 2" in run.failed[0].message


def test_failure_summary_is_trimmed_to_the_token_limit(tmp_path: Path) -> None:
    cases = [TestCase(f"tests/test_m.py::test_{i}", "failed", "tests/test_m.py", i, f"assert {i} == {i + 1}",
                      "long traceback " * 200, [{"path": "/usr/lib/python3/site-packages/x.py", "line": 1, "message": ""},
                                                {"path": "pkg/mod.py", "line": 10 + i, "message": "ValueError"}])
             for i in range(50)]
    run = TestRun(False, cases, 1, "", ["pytest"])
    text = summarize_failures(run, 300, tmp_path)
    assert len(text) <= 1200
    assert "FAILED tests/test_m.py::test_0" in text and "assert 0 == 1" in text and "at pkg/mod.py:10" in text
    assert "site-packages" not in text and "more failing" in text


def test_detection_per_ecosystem(tmp_path: Path) -> None:
    cases = {
        "go": ("go.mod", "module x\n"), "cargo": ("Cargo.toml", "[package]\n"),
        "npm": ("package.json", '{"scripts": {"test": "jest"}}'), "make": ("Makefile", "test:\n\techo ok\n"),
        "pytest": ("pytest.ini", "[pytest]\n"),
    }
    for framework, (name, content) in cases.items():
        root = tmp_path / framework
        root.mkdir()
        (root / name).write_text(content)
        command = detect_test_command(root)
        assert command is not None and command.framework == framework, framework
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "package.json").write_text('{"scripts": {"test": "echo \\"Error: no test specified\\" && exit 1"}}')
    assert detect_test_command(empty) is None


def test_go_and_cargo_output_parsers() -> None:
    go = "\n".join([
        '{"Action":"run","Package":"ex/m","Test":"TestA"}',
        '{"Action":"output","Package":"ex/m","Test":"TestA","Output":"    m_test.go:9: got 1 want 2\\n"}',
        '{"Action":"fail","Package":"ex/m","Test":"TestA"}',
        '{"Action":"pass","Package":"ex/m","Test":"TestB"}',
    ])
    cases = {c.nodeid: c for c in parse_go_json(go)}
    assert cases["ex/m/TestA"].outcome == "failed" and "m_test.go:9: got 1 want 2" in cases["ex/m/TestA"].message
    assert cases["ex/m/TestB"].outcome == "passed"
    cargo = "test tests::ok ... ok\ntest tests::bad ... FAILED\n\n---- tests::bad stdout ----\nassertion failed: 1 == 2\n\n"
    parsed = {c.nodeid: c for c in parse_cargo(cargo)}
    assert parsed["tests::ok"].outcome == "passed" and parsed["tests::bad"].message == "assertion failed: 1 == 2"


class GraphIndex:
    """A tiny IndexLike with real data: symbols by line span, and test -> symbol edges."""

    def __init__(self) -> None:
        self.spans = {("pkg/calc.py", 1, 5): "calc.add", ("pkg/calc.py", 7, 9): "calc.sub"}
        self.edges = {"calc.add": ["tests/test_add.py"], "calc.sub": ["tests/test_sub.py"]}

    def symbol_at(self, path: str, line: int):
        for (p, lo, hi), sid in self.spans.items():
            if p == path and lo <= line <= hi:
                return SimpleNamespace(id=sid)
        return None

    def tests_for_symbols(self, ids) -> list[str]:
        return sorted({t for i in ids for t in self.edges.get(i, [])})


def test_select_tests_follows_test_edges(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    for name in ("test_add.py", "test_sub.py", "test_other.py"):
        (tmp_path / "tests" / name).write_text("")
    index = GraphIndex()
    assert select_tests(index, [("pkg/calc.py", 2, 3)], tmp_path) == ["tests/test_add.py"]
    assert select_tests(index, [("pkg/calc.py", 4, 8)], tmp_path) == ["tests/test_add.py", "tests/test_sub.py"]
    assert select_tests(index, [("tests/test_other.py", 1, 1)], tmp_path) == ["tests/test_other.py"]
    assert select_tests(index, ["calc.sub"], tmp_path) == ["tests/test_sub.py"]

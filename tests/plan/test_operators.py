"""Operator -> dunder edges: a failing `==` or `+` reaches `__eq__` / `__add__` with no call edge."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agent.plan import TaskInput
from agent.plan.localize import localise
from agent.plan.operators import dunders_used, failing_statements

MONEY = '''"""Amounts of money in one currency."""


class Money:
    def __init__(self, cents):
        self.cents = cents

    def __eq__(self, other):
        return isinstance(other, Money) and self.cents == other.cents

    def __add__(self, other):
        return Money(self.cents - other.cents)

    def __len__(self):
        return len(str(self.cents))

    def describe(self):
        return f"{self.cents / 100:.2f}"


def parse(text):
    whole, _, frac = text.partition(".")
    return Money(int(whole) * 100 + int(frac or 0))
'''
TESTS = '''from shop.money import Money, parse


def test_add():
    total = Money(150)
    assert total + Money(250) == Money(400)


def test_parse():
    assert parse("1.50").describe() == "1.50"
'''


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    repo = tmp_path_factory.mktemp("shop")
    (repo / "shop").mkdir()
    (repo / "shop" / "__init__.py").write_text("")
    (repo / "shop" / "money.py").write_text(MONEY)
    (repo / "tests").mkdir()
    (repo / "tests" / "test_money.py").write_text(TESTS)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_money.py::test_add"]
    proc = subprocess.run(argv, cwd=repo, capture_output=True, text=True,
                          env={"PYTHONPATH": str(repo), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 1, proc.stdout
    return repo, proc.stdout


def test_operators_and_builtins_name_their_dunders() -> None:
    used = dunders_used("def t(self):\n    a = x + y\n    assert a[0] == b\n    for v in a: pass\n"
                        "    self.assertIn(k, a)\n    len(a)\n    -a\n")
    assert {"__add__", "__radd__", "__getitem__", "__eq__", "__iter__", "__contains__", "__len__",
            "__neg__"} <= used
    assert "__sub__" not in used and "__lt__" not in used
    assert dunders_used("not python (") == set()


def test_the_failing_statement_is_read_from_pytest_output(shop: tuple[Path, str]) -> None:
    _, output = shop
    statements = failing_statements(output)
    assert any("total + Money(250) == Money(400)" in s for s in statements)


def test_a_failing_operator_reaches_the_dunder_of_the_class_the_test_builds(shop: tuple[Path, str]) -> None:
    from agent.index import RepoIndex

    repo, output = shop
    index = RepoIndex.open(repo)
    try:
        index.update(progress=False)
        task = TaskInput(text="make the failing tests pass", failures=output,
                         failing_tests=["tests/test_money.py::test_add"])
        loc = localise(index, task, repo=repo)
        op = {index.symbol_by_id(i).name: v for i, v in loc.raw["operator"].items()}
        assert op["__add__"] == 1.0 and op["__eq__"] == 1.0  # both in the failing statement
        assert "__len__" not in op and "describe" not in op  # not invoked by the test
        top3 = [s.symbol.rsplit(".", 1)[-1] for s in loc.sites[:3]]
        assert "__add__" in top3
        assert any(w.startswith("operator") for w in loc.sites[top3.index("__add__")].why)
    finally:
        index.close()

"""The `imported` signal: a task's `from pkg import Name` resolved through the package's re-exports."""

from __future__ import annotations


import pytest

from agent.plan import TaskInput
from agent.plan.imports import imported_names, module_scope
from agent.plan.localize import localise
from tests.plan.conftest import make_git_repo

FILES = {
    "shop/__init__.py": "from shop.query_utils import Q\n",
    "shop/query_utils.py": '''class Q:
    """A filter condition, combinable with & and |."""

    def __init__(self, *args, **kwargs):
        self.children = list(args) + sorted(kwargs.items())

    def deconstruct(self):
        child = self.children[0]
        return {child[0]: child[1]}

    def negate(self):
        return self
''',
    "shop/orders.py": '''def place_order(cart):
    """Create an order from a cart and deconstruct the cart items into lines."""
    return [item for item in cart]


def deconstruct(value):
    return value
''',
    "vendor/q.py": '''class Q:
    """Another Q that the task does not import."""

    def deconstruct(self):
        return ()
''',
}


@pytest.fixture(scope="module")
def shop_index(tmp_path_factory: pytest.TempPathFactory):
    from agent.index import RepoIndex

    repo = make_git_repo(tmp_path_factory.mktemp("shop"), FILES)
    idx = RepoIndex.open(repo)
    idx.update(progress=False)
    yield idx, repo
    idx.close()


def test_import_lines_are_parsed_with_renames_parentheses_and_sessions() -> None:
    text = (">>> from shop import Q, place_order as po\n"
            "from shop.orders import (\n    place_order,\n    deconstruct,\n)\n"
            "from shop import *\nfrom . import local\n")
    assert imported_names(text) == [("shop", "Q", "Q"), ("shop", "place_order", "po"),
                                    ("shop.orders", "place_order", "place_order"),
                                    ("shop.orders", "deconstruct", "deconstruct")]


def test_module_scope_is_the_file_or_the_package_directory() -> None:
    files = ["src/shop/__init__.py", "src/shop/orders.py", "shop_tests/x.py"]
    assert module_scope("shop", files) == ("src/shop/__init__.py", "src/shop/")
    assert module_scope("shop.orders", files) == ("src/shop/orders.py", "src/shop/orders.py")
    assert module_scope("requests", files) is None


def test_an_imported_one_letter_class_and_the_method_called_on_it_rank_first(shop_index) -> None:
    idx, repo = shop_index
    task = TaskInput(text="Single-child Q crashes\n```\n>>> from shop import Q\n>>> Q(x=1).deconstruct()\n"
                          "TypeError: 'int' object is not subscriptable\n```\n")
    loc = localise(idx, task, repo=repo)
    imported = {loc.symbols[i].qualname: s.why for i, s in enumerate(loc.sites)
                if any(w.startswith("imported") for w in s.why)}
    # the re-exported class, and its called method; not the unrelated vendor Q, nor the other `deconstruct`s
    assert set(imported) == {"shop.query_utils.Q", "shop.query_utils.Q.deconstruct"}
    assert loc.sites[0].path == "shop/query_utils.py"
    assert loc.sites[0].symbol.endswith("Q.deconstruct")


def test_an_import_of_a_module_outside_the_repo_fires_nothing(shop_index) -> None:
    idx, repo = shop_index
    loc = localise(idx, TaskInput(text="from django.db.models import Q\nQ().deconstruct() fails"), repo=repo)
    assert loc.raw["imported"] == {}

"""The symbol graph on a real multi-module Python project: imports, renames, `self.`, tests -> code."""

from __future__ import annotations

from pathlib import Path

from agent.index import RepoIndex


def _open(repo: Path) -> RepoIndex:
    idx = RepoIndex.open(repo)
    idx.update(progress=False)
    return idx


def test_method_callers_found_across_files(py_repo: Path) -> None:
    with _open(py_repo) as idx:
        (add,) = idx.definitions("shop.cart.Cart.add")
        callers = {s.qualname for s, _ in idx.callers(add.id)}
        assert "shop.checkout.checkout" in callers  # cart.add(...) in another file
        (describe,) = idx.definitions("Cart.describe")
        assert {s.qualname for s, _ in idx.callers(describe.id)} == {"shop.checkout.checkout"}


def test_renamed_import_is_followed(py_repo: Path) -> None:
    with _open(py_repo) as idx:
        (to_cents,) = idx.definitions("to_cents")
        callers = dict((s.qualname, w) for s, w in idx.callers(to_cents.id))
        # `from shop.money import to_cents as cents_of` then `cents_of(...)` inside Item.total
        assert callers["shop.cart.Item.total"] == 1.0
        assert "shop.cart" in callers  # the import itself: a file -> file edge
        refs = idx.references("shop.money.to_cents")
        assert {(r.path, r.line, r.kind) for r in refs} >= {("shop/cart.py", 2, "import"), ("shop/cart.py", 14, "call")}


def test_self_calls_resolve_to_own_class(py_repo: Path) -> None:
    with _open(py_repo) as idx:
        (describe,) = idx.definitions("shop.cart.Cart.describe")
        callees = {s.qualname: w for s, w in idx.callees(describe.id)}
        assert callees["shop.cart.Cart.total"] == 1.0  # self.total(), not Item.total
        assert "shop.cart.Item.total" not in callees
        assert callees["shop.money.format_price"] == 1.0  # money.format_price via `from . import money`


def test_ambiguous_names_keep_weight(py_repo: Path) -> None:
    with _open(py_repo) as idx:
        (cart_total,) = idx.definitions("Cart.total")
        callees = {s.qualname: w for s, w in idx.callees(cart_total.id)}
        # `item.total()` on an untyped object: either total, half each
        assert callees == {"shop.cart.Item.total": 0.5}


def test_tests_for_symbols_and_file_edges(py_repo: Path) -> None:
    with _open(py_repo) as idx:
        (cart,) = idx.definitions("Cart")
        (fmt,) = idx.definitions("format_price")
        assert idx.tests_for_symbols([cart.id]) == ["tests/test_cart.py"]
        assert idx.tests_for_symbols([fmt.id]) == []
        assert idx.is_test_file("tests/test_cart.py") and not idx.is_test_file("shop/cart.py")
        used = dict(idx.file_edges("shop/checkout.py"))
        assert set(used) == {"shop/cart.py"}
        assert idx.fan_in(cart.id) >= 2 and idx.fan_out(cart.id) == 0


def test_lookups(py_repo: Path) -> None:
    with _open(py_repo) as idx:
        assert [s.qualname for s in idx.definitions("total")] == ["shop.cart.Item.total", "shop.cart.Cart.total"]
        assert [s.qualname for s in idx.definitions("cart.Item")] == ["shop.cart.Item"]
        inner = idx.symbol_at("shop/cart.py", 14)
        assert inner is not None and inner.qualname == "shop.cart.Item.total"
        top = idx.symbol_at("shop/cart.py", 1)
        assert top is not None and top.kind == "module"
        assert idx.symbol_by_id(inner.id) == inner
        (fn,) = idx.definitions("to_cents")
        assert (fn.signature, fn.doc, fn.start_line, fn.end_line) == (
            "def to_cents(amount):", "Convert an amount in euros to cents.", 6, 8)
        assert [s.name for s in idx.symbols_in_file("shop/money.py")] == ["money", "CURRENCY", "to_cents", "format_price"]
        assert idx.files() == ["shop/__init__.py", "shop/cart.py", "shop/checkout.py", "shop/money.py", "tests/test_cart.py"]

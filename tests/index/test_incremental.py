"""Incremental updates must leave exactly what a cold rebuild of the same tree gives."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from agent.index import RepoIndex
from tests.index.helpers import dump, git, make_repo


def _cold(repo: Path, tmp: Path) -> dict:
    copy = tmp / "cold"
    shutil.copytree(repo, copy, ignore=shutil.ignore_patterns(".dial"))
    with RepoIndex.open(copy) as idx:
        idx.update(progress=False)
        return dump(idx)


def _bump(path: Path) -> None:
    """Make sure the stat changes even on coarse-mtime filesystems."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_edit_delete_rename_equal_cold_rebuild(py_repo: Path, tmp_path: Path) -> None:
    idx = RepoIndex.open(py_repo)
    first = idx.update(progress=False)
    assert first.reparsed == 5
    assert idx.update(progress=False).reparsed == 0

    # edit: rename a function and its use, add a new one
    money = py_repo / "shop" / "money.py"
    money.write_text(money.read_text().replace("def format_price", "def render_price") + "\n\ndef tax(c):\n    return to_cents(c)\n")
    cart = py_repo / "shop" / "cart.py"
    cart.write_text(cart.read_text().replace("money.format_price", "money.render_price"))
    _bump(money), _bump(cart)
    # delete a file, rename another (git mv keeps it tracked)
    (py_repo / "shop" / "checkout.py").unlink()
    git(py_repo, "mv", "tests/test_cart.py", "tests/test_basket.py")
    (py_repo / "shop" / "extra.py").write_text("from shop.money import tax\n\n\ndef twice(x):\n    return tax(x) * 2\n")

    stats = idx.update(progress=False)
    assert stats.reparsed == 4  # money, cart, the renamed test, the new untracked file
    assert dump(idx) == _cold(py_repo, tmp_path)
    (render,) = idx.definitions("render_price")
    assert [s.qualname for s, _ in idx.callers(render.id)] == ["shop.cart.Cart.describe"]
    assert idx.definitions("format_price") == [] and idx.definitions("checkout") == []
    idx.close()


def test_same_content_new_mtime_is_not_reparsed(py_repo: Path) -> None:
    with RepoIndex.open(py_repo) as idx:
        idx.update(progress=False)
        _bump(py_repo / "shop" / "money.py")
        assert idx.update(progress=False).reparsed == 0


def test_update_files_after_edit(py_repo: Path, tmp_path: Path) -> None:
    with RepoIndex.open(py_repo) as idx:
        idx.update(progress=False)
        (old,) = idx.definitions("Cart.add")
        cart = py_repo / "shop" / "cart.py"
        cart.write_text(cart.read_text().replace("    def add(self, item: Item):", "    # adds\n    def add(self, item: Item):"))
        (py_repo / "shop" / "checkout.py").unlink()
        idx.update_files(["./shop/cart.py", str(py_repo / "shop" / "checkout.py"), "../outside.py"])
        (new,) = idx.definitions("Cart.add")
        assert new.id == old.id and new.start_line == old.start_line + 1  # ids stay stable across an edit
        # checkout() called it too, but that file is gone
        assert [s.qualname for s, _ in idx.callers(new.id)] == ["tests.test_cart.test_total"]
        assert dump(idx) == _cold(py_repo, tmp_path)


def test_non_git_directory_is_walked(tmp_path: Path) -> None:
    src = tmp_path / "plain"
    shutil.copytree(make_repo(tmp_path / "r", "python"), src, ignore=shutil.ignore_patterns(".git"))
    (src / "node_modules" / "lib").mkdir(parents=True)
    (src / "node_modules" / "lib" / "index.js").write_text("function f() {}\n")
    with RepoIndex.open(src) as idx:
        stats = idx.update(progress=False)
        assert stats.files == 5 and stats.languages == {"python": 5}
        assert not (src / ".git").exists()


def test_pooled_cold_build_equals_incremental_build(tmp_path: Path) -> None:
    """Cold builds parse and resolve in process pools; growing the index file by file must give the same."""
    files = {f"pkg/m{i}.py": f"from pkg.m{(i + 1) % 60} import f{(i + 1) % 60}\n\n\nclass C{i}:\n"
             f"    def run(self):\n        return f{(i + 1) % 60}(self.run) + helper()\n\n\n"
             f"def f{i}(x):\n    return C{i}().run()\n\n\ndef helper():\n    return {i}\n" for i in range(60)}
    full = make_repo(tmp_path / "full", files=files)
    with RepoIndex.open(full) as idx:
        assert idx.update(progress=False).reparsed == 60  # above the pool threshold: both pools used
        cold = dump(idx)
    grown = make_repo(tmp_path / "grown", files=dict(list(files.items())[:5]))
    with RepoIndex.open(grown) as idx:
        idx.update(progress=False)
        for rel, text in list(files.items())[5:]:
            (grown / rel).write_text(text)
        idx.update(progress=False)
        assert dump(idx) == cold

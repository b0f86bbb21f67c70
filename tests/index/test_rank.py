"""Seeds from task text and failures, personalised ranking, and a map that hubs do not swamp."""

from __future__ import annotations

from pathlib import Path

from agent.index import RepoIndex, Seeds, estimate_tokens
from tests.index.helpers import make_repo

TRACEBACK = """Traceback (most recent call last):
  File "/home/me/shop/shop/checkout.py", line 8, in checkout
    cart.add(Item(name, 1.5))
  File "/usr/lib/python3.11/site-packages/other.py", line 3, in helper
ValueError: bad price
"""
PYTEST = """tests/test_cart.py:6: in test_total
    assert cart.total() == 200
shop/cart.py:14: AssertionError
"""


def test_seeds_from_text_failures_and_diff() -> None:
    seeds = Seeds.from_task(
        "the bug is in how `slugify` handles dashes; see django/utils/text.py and Cart.describe()",
        failures=TRACEBACK + PYTEST, diff_paths=["shop/money.py"],
    )
    assert seeds.identifiers["slugify"] == 1.0 and seeds.identifiers["Cart.describe"] == 1.0
    assert seeds.identifiers["dashes"] == 0.5  # plain prose word: weaker
    assert "the" not in seeds.identifiers and "bug" not in seeds.identifiers
    assert seeds.paths["django/utils/text.py"] == 1.0 and seeds.paths["shop/money.py"] == 1.0
    assert ("/home/me/shop/shop/checkout.py", 8, "checkout") in seeds.frames
    assert ("tests/test_cart.py", 6, "test_total") in seeds.frames
    assert ("shop/cart.py", 14, "") in seeds.frames
    assert Seeds.from_task("").is_empty()


def test_traceback_frames_rank_their_functions_first(py_repo: Path) -> None:
    with RepoIndex.open(py_repo) as idx:
        idx.update(progress=False)
        ranked = idx.rank(Seeds.from_task(failures=TRACEBACK), limit=5)
        assert ranked[0][0].qualname == "shop.checkout.checkout"
        assert all(a[1] >= b[1] for a, b in zip(ranked, ranked[1:]))
        by_diff = idx.rank(Seeds.from_task(diff_paths=["shop/money.py"]), limit=3)
        assert {s.path for s, _ in by_diff} == {"shop/money.py"}
        everything = idx.rank(Seeds(), limit=100)  # no seeds: global PageRank, modules left out
        assert everything and all(s.kind != "module" for s, _ in everything)


def _hub_repo(root: Path) -> Path:
    """40 modules that all call 30 helpers in one hub file, and one leaf function nobody mentions."""
    hub = "".join(f"def helper{i}(value, other=None):\n    return value\n\n\n" for i in range(30))
    files = {"core/hub.py": hub, "core/__init__.py": ""}
    for m in range(40):
        calls = "\n".join(f"    hub.helper{i}(x)" for i in range(30))
        files[f"app/mod{m}.py"] = f"from core import hub\n\n\ndef handler{m}(x):\n{calls}\n    return x\n"
    files["app/text.py"] = (
        "import re\n\n\ndef slugify(value, allow_unicode=False):\n    \"\"\"Make a slug.\"\"\"\n"
        "    return re.sub(r'[-\\s]+', '-', value).strip('-_')\n"
    )
    return make_repo(root, files=files)


def test_named_function_reaches_a_small_map_despite_hubs(tmp_path: Path) -> None:
    repo = _hub_repo(tmp_path / "hubby")
    with RepoIndex.open(repo) as idx:
        idx.update(progress=False)
        plain = idx.repo_map("", tokens=200)
        assert "core/hub.py" == plain.files[0].path  # with no task the hub is what matters
        repo_map = idx.repo_map("the bug is in how slugify handles leading dashes", tokens=100)
        assert repo_map.files[0].path == "app/text.py"
        assert repo_map.files[0].symbols[0].name == "slugify"
        assert "def slugify(value, allow_unicode=False):" in repo_map.text
        assert repo_map.tokens == estimate_tokens(repo_map.text) <= 100


def test_map_respects_any_token_counter(py_repo: Path) -> None:
    with RepoIndex.open(py_repo) as idx:
        idx.update(progress=False)
        words = idx.repo_map("Cart", tokens=12, count_tokens=lambda t: len(t.split()))
        assert 0 < words.tokens <= 12 and len(words.text.split()) == words.tokens
        big = idx.repo_map("Cart", tokens=10_000)
        # every code file fits; tests only appear when the task reaches them
        assert {f.path for f in big.files} == {"shop/cart.py", "shop/checkout.py", "shop/money.py"}
        assert idx.repo_map("Cart", tokens=0).text == ""
        assert big.as_dict()["files"][0]["symbols"][0].keys() == {"name", "kind", "line"}

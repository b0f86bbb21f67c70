"""A small sample project made in a tmp dir: several files, a bug whose fix spans two files (money.py and
tax.py), and a first fix of money.py that is not good enough, so the loop needs a second attempt."""

from __future__ import annotations

import subprocess
from pathlib import Path

FILES = {
    "pyproject.toml": '[project]\nname = "shop"\nversion = "0.1"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
    ".dial.toml": "[loop]\nflaky_reruns = 0  # the sample's tests are deterministic; keeps the suite fast\n",
    "AGENTS.md": "# For agents\nMoney is integer cents, rounded half up.\n",
    "shop/__init__.py": '"""A small shop."""\n',
    "shop/money.py": (
        '"""Money as integer cents."""\n\n\n'
        "def to_cents(amount: float) -> int:\n"
        '    """Whole cents of a price, rounded half up."""\n'
        "    return int(amount * 100)\n\n\n"
        "def format_cents(cents: int) -> str:\n"
        '    return f"{cents // 100}.{cents % 100:02d}"\n'
    ),
    "shop/tax.py": (
        '"""Sales tax."""\n\n\n'
        "def add_tax(cents: int, rate: float) -> int:\n"
        '    """The price with `rate` (0.1 = 10 %) tax added, in whole cents."""\n'
        "    return cents + cents * rate\n"
    ),
    "shop/cart.py": (
        '"""The cart."""\n\n'
        "from shop.money import to_cents\n"
        "from shop.tax import add_tax\n\n\n"
        "class Cart:\n"
        "    def __init__(self, tax_rate: float = 0.0) -> None:\n"
        "        self.items: list[tuple[str, float, int]] = []\n"
        "        self.tax_rate = tax_rate\n\n"
        "    def add(self, name: str, price: float, quantity: int = 1) -> None:\n"
        "        self.items.append((name, price, quantity))\n\n"
        "    def subtotal(self) -> int:\n"
        "        return sum(to_cents(price) * qty for _, price, qty in self.items)\n\n"
        "    def total(self) -> int:\n"
        '        """What the customer pays, in cents."""\n'
        "        return add_tax(self.subtotal(), self.tax_rate)\n"
    ),
    "shop/inventory.py": (
        '"""Stock levels."""\n\n\n'
        "class Stock:\n"
        "    def __init__(self) -> None:\n"
        "        self.levels: dict[str, int] = {}\n\n"
        "    def receive(self, name: str, count: int) -> None:\n"
        "        self.levels[name] = self.levels.get(name, 0) + count\n\n"
        "    def take(self, name: str, count: int) -> bool:\n"
        "        if self.levels.get(name, 0) < count:\n"
        "            return False\n"
        "        self.levels[name] -= count\n"
        "        return True\n"
    ),
    "tests/test_money.py": (
        "from shop.money import format_cents, to_cents\n\n\n"
        "def test_to_cents_rounds_half_up():\n"
        "    assert to_cents(0.29) == 29\n"
        "    assert to_cents(0.125) == 13\n\n\n"
        "def test_format():\n"
        '    assert format_cents(1205) == "12.05"\n'
    ),
    "tests/test_cart.py": (
        "from shop.cart import Cart\n\n\n"
        "def test_total_with_tax_is_whole_cents():\n"
        "    cart = Cart(tax_rate=0.1)\n"
        '    cart.add("gum", 0.29, 3)\n'
        "    total = cart.total()\n"
        "    assert isinstance(total, int)\n"
        "    assert total == 96\n"
    ),
    "tests/test_inventory.py": (
        "from shop.inventory import Stock\n\n\n"
        "def test_take():\n"
        "    s = Stock()\n"
        '    s.receive("gum", 2)\n'
        '    assert s.take("gum", 2) and not s.take("gum", 1)\n'
    ),
}

TASK = ("Cart totals are wrong: three items at 0.29 with 10% tax give 95.7 instead of 96 cents. to_cents in "
        "shop/money.py truncates instead of rounding half up, and add_tax in shop/tax.py returns a float "
        "instead of whole cents.")

# The coder's fixes: money.py's first fix uses round() (banker's rounding: 0.125 -> 12), so the tests still
# fail and the repair (a second attempt with an escalated budget) replaces it with rounding half up.
FIXES = {
    "shop/money.py": [("return int(amount * 100)", "return round(amount * 100)"),
                      ("return round(amount * 100)", "return int(amount * 100 + 0.5)")],
    "shop/tax.py": [("return cents + cents * rate", "return cents + int(cents * rate + 0.5)")],
}

# The planned sites the fixes belong to (path -> function name); other planned sites need no change.
SITES = {"shop/money.py": "to_cents", "shop/tax.py": "add_tax"}


def expected_budgets(plan: dict, coder: object, repair_budget: int | None = None) -> list[int]:
    """The thinking budget of every request, from plan.json: one turn per planned edit (two calls when the
    coder fixes that site, one when it needs no change), then a two-call repair turn."""
    out: list[int] = []
    for edit in plan["edits"]:
        out += [edit["thinking_budget"]] * (2 if coder.fixes_site(edit["path"], edit["symbol"]) else 1)  # type: ignore[attr-defined]
    return out + ([repair_budget] * 2 if repair_budget is not None else [])


GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "-c", "init.defaultBranch=main",
       "-c", "commit.gpgsign=false"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def make_repo(root: Path) -> Path:
    repo = root / "shop"
    for rel, text in FILES.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "shop")
    return repo

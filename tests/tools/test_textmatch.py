"""Each matcher tier, ambiguity and stale context, on small real-looking code."""

from __future__ import annotations

import pytest

from tools.textmatch import NoMatch, find_replacement


def apply(text: str, old: str, new: str) -> tuple[str, str]:
    rep = find_replacement(text, old, new)
    return text[: rep.start] + rep.text + text[rep.end :], rep.tier


CODE = "class A:\n    def f(self, x):\n        if x:\n            return 'yes'\n        return 'no'\n"


def test_exact_unique_match() -> None:
    out, tier = apply(CODE, "return 'no'", "return 'maybe'")
    assert tier == "exact"
    assert out == CODE.replace("return 'no'", "return 'maybe'")


def test_trailing_whitespace_in_old_str() -> None:
    out, tier = apply(CODE, "if x:   \n            return 'yes'  \n", "if x:\n            return 'YES'\n")
    assert tier == "whitespace"
    assert "return 'YES'\n        return 'no'" in out


def test_uniformly_shifted_indentation_is_restored() -> None:
    old = "def f(self, x):\n    if x:\n        return 'yes'\n"
    new = "def f(self, x):\n    if x:\n        log(x)\n        return 'yes'\n"
    out, tier = apply(CODE, old, new)
    assert tier == "whitespace"
    assert "            log(x)\n            return 'yes'\n" in out


def test_tabs_in_file_spaces_from_model() -> None:
    text = "def f(x):\n\tif x:\n\t\treturn 1\n\treturn 2\n"
    out, _ = apply(text, "    if x:\n        return 1\n", "    if x:\n        x += 1\n        return 1\n")
    assert out == "def f(x):\n\tif x:\n\t\tx += 1\n\t\treturn 1\n\treturn 2\n"


def test_typographic_quotes_and_dashes() -> None:
    text = "def g():\n    s = 'a - b'\n    return s\n"
    out, tier = apply(text, "def g():\n    s = \u2018a \u2013 b\u2019\n", "def g():\n    s = \u2018a \u2013 c\u2019\n")
    assert tier == "normalized"
    assert out == "def g():\n    s = 'a - c'\n    return s\n"


def test_partial_first_and_last_line() -> None:
    text = "def h(a):\n    total = compute(a)   \n    return total + 1\n"
    out, _ = apply(text, "compute(a)\n    return total", "compute(a, 2)\n    return total")
    assert out == "def h(a):\n    total = compute(a, 2)\n    return total + 1\n"


def test_partial_line_must_not_cut_an_identifier() -> None:
    text = "def h(a):\n    xtotal = 1  \n    return xtotal\n"
    with pytest.raises(NoMatch):
        find_replacement(text, "total = 1\n    return xtotal\n", "total = 2\n    return xtotal\n")


def test_ambiguous_exact_lists_line_numbers() -> None:
    text = "x = 1\ny = 2\nx = 1\n"
    with pytest.raises(NoMatch) as err:
        find_replacement(text, "x = 1", "x = 3")
    assert "2 times" in str(err.value) and "1, 3" in str(err.value)


def test_ambiguous_whitespace_tier_refuses() -> None:
    text = "def a():\n    v = 1\n    w = 2\n\ndef b():\n    v = 1\n    w = 2\n"
    with pytest.raises(NoMatch) as err:
        find_replacement(text, "v = 1  \nw = 2", "v = 9\nw = 2")
    assert "2 places" in str(err.value)


def test_same_lines_at_another_indentation_prefer_the_quoted_one() -> None:
    text = "if a:\n    x = 1\n    y = 2\nif b:\n        x = 1\n        y = 2\n"
    out, _ = apply(text, "    x = 1 \n    y = 2\n", "    x = 1\n    y = 3\n")
    assert out == "if a:\n    x = 1\n    y = 3\nif b:\n        x = 1\n        y = 2\n"


STALE = "\n".join(f"    value_{i} = compute_something({i}, factor={i * 3})" for i in range(30)) + "\n"


def test_fuzzy_stale_context_keeps_the_files_current_line() -> None:
    text = STALE.replace("value_12 = compute_something(12, factor=36)", "value_12 = compute_something(12, factor=37)")
    old = "".join(f"    value_{i} = compute_something({i}, factor={i * 3})\n" for i in range(10, 15))
    new = old.replace("value_14 = compute_something(14, factor=42)", "value_14 = compute_other(14)")
    out, tier = apply(text, old, new)
    assert tier == "fuzzy"
    assert "factor=37" in out and "value_14 = compute_other(14)" in out
    assert out.count("\n") == text.count("\n")


def test_fuzzy_refuses_when_the_changed_line_is_the_stale_one() -> None:
    text = STALE.replace("value_12 = compute_something(12, factor=36)", "value_12 = compute_something(12, factor=99)")
    old = "".join(f"    value_{i} = compute_something({i}, factor={i * 3})\n" for i in range(10, 15))
    new = old.replace("factor=36", "factor=0")
    with pytest.raises(NoMatch) as err:
        find_replacement(text, old, new)
    assert "current text" in str(err.value)


def test_missing_match_shows_closest_candidates_with_line_numbers() -> None:
    text = "def alpha():\n    return compute_total(items, tax_rate)\n\ndef beta():\n    pass\n"
    with pytest.raises(NoMatch) as err:
        find_replacement(text, "return compute_totals(item, taxrate)", "return 0")
    msg = str(err.value)
    assert "Closest candidates" in msg and "     2\t    return compute_total(items, tax_rate)" in msg


def test_empty_old_str_is_refused() -> None:
    with pytest.raises(NoMatch):
        find_replacement("a\n", "", "b")

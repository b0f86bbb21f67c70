"""Exact reference rows from `extract`: the hot loops that fill hints and enclosing symbols are tuned for speed.

Why pinned row by row: `apply_python_hints` tells an attribute's `attribute` field from its `object` by byte
offsets, and `_enclose` carries the nearest symbol through `@scope` entries; a slip in either changes which
symbol a reference belongs to or which definition it resolves to, silently.
"""

from __future__ import annotations

from agent.index.extract import extract

PYTHON = b'''from pkg import helpers as h
import os.path
from . import sib


class C(h.Base):
    """Doc."""

    def m(self, x: h.Kind) -> None:
        h.run(x).after()
        self.m(h)
        os.path.join(sib.value)
        decorate(h)
        return h() + sib.value.deep
'''

RUST = b"""struct S;
impl S {
    const N: u32 = make();
    fn f(&self) -> u32 { helper(self.g()) }
}
fn top() { S::f(); }
"""


def test_python_hints_follow_imports_aliases_self_and_attribute_chains() -> None:
    defs, refs, errors = extract(PYTHON, "python", "pkg/mod.py")
    assert errors == 0
    assert [d[1] for d in defs] == ["pkg.mod", "pkg.mod.C", "pkg.mod.C.m"]
    assert refs == [
        ("Base", 6, "type", 1, "pkg.helpers.Base"),
        ("Kind", 9, "attribute", 2, "pkg.helpers.Kind"),
        ("run", 10, "call", 2, "pkg.helpers.run"),
        ("after", 10, "call", 2, ""),  # the object is a call, not a name: no hint
        ("m", 11, "call", 2, "pkg.mod.C.m"),
        ("path", 12, "attribute", 2, "os.path"),
        ("join", 12, "call", 2, "os.path.join"),
        ("value", 12, "attribute", 2, "pkg.sib.value"),  # relative import
        ("decorate", 13, "call", 2, ""),
        ("h", 14, "call", 2, "pkg.helpers"),  # a bare use of an alias
        ("value", 14, "attribute", 2, "pkg.sib.value"),  # the object of `.deep`, itself an attribute
        ("deep", 14, "attribute", 2, "pkg.sib.value.deep"),
        ("helpers", 1, "import", 0, "pkg.helpers"),
        ("path", 2, "import", 0, "os.path"),
        ("sib", 3, "import", 0, "pkg.sib"),
    ]


def test_references_inside_a_scope_belong_to_the_nearest_symbol() -> None:
    defs, refs, _ = extract(RUST, "rust", "src/lib.rs")
    assert [(d[1], d[7]) for d in defs] == [("lib", -1), ("lib.S", 0), ("lib.S.N", 0), ("lib.S.f", 0), ("lib.top", 0)]
    # `impl S` is a scope, not a symbol: `make()` belongs to the constant, `helper`/`g` to the method
    assert refs == [
        ("make", 3, "call", 2, ""),
        ("helper", 4, "call", 3, ""),
        ("g", 4, "call", 3, ""),
        ("f", 6, "call", 4, ""),
    ]


def test_doc_is_the_first_non_empty_line_whatever_the_line_breaks() -> None:
    """`_clean_doc` cuts a docstring one line at a time (not all of it); it must find the line `splitlines` would."""
    from agent.index.extract import _clean_doc

    assert _clean_doc('"""\n\n   Return the thing.\n   More.\n"""') == "Return the thing."
    assert _clean_doc('"""\r\n\r\nWindows line.\r\nNext."""') == "Windows line."
    assert _clean_doc("#\n# \n#  comment text\n") == "comment text"
    assert _clean_doc('"""\x0b\x0c\u2028 after odd breaks"""') == "after odd breaks"
    assert _clean_doc('""""""') == ""
    assert _clean_doc("x" * 300) == "x" * 200

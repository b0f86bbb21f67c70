"""Operator -> dunder edges: what a failing test reaches without a call edge.

A test that writes `a == b`, `x + y`, `d[k]`, `len(s)`, `k in s` or `for v in s` runs `__eq__`, `__add__`,
`__getitem__`, `__len__`, `__contains__`, `__iter__` of its operands' classes, and the index has no call edge
for that (the call graph sees names, not operators). Which class? One the test reaches: constructed or called
directly (1.0) or one call deeper (DEEPER_CLASS: `compose(...)` returns a `Compose`). The dunders the test's
source invokes are looked up on those classes: value = class value x (1.0 when the statement pytest marks as
failing uses the operator, ELSEWHERE when only the rest of the test does); the dunder's callees get
DERIVED_SHARE of that. unittest's `assertEqual` & co. count as the operators they apply.
"""

from __future__ import annotations

import ast
import textwrap
from typing import Any, Iterable

from agent.plan.sources import SourceCache

COMPARE = {ast.Eq: ("__eq__",), ast.NotEq: ("__ne__", "__eq__"), ast.Lt: ("__lt__", "__gt__"),
           ast.LtE: ("__le__", "__ge__"), ast.Gt: ("__gt__", "__lt__"), ast.GtE: ("__ge__", "__le__"),
           ast.In: ("__contains__", "__iter__"), ast.NotIn: ("__contains__", "__iter__")}
BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "truediv", ast.FloorDiv: "floordiv",
          ast.Mod: "mod", ast.Pow: "pow", ast.BitAnd: "and", ast.BitOr: "or", ast.BitXor: "xor",
          ast.LShift: "lshift", ast.RShift: "rshift", ast.MatMult: "matmul"}
UNARY = {ast.USub: ("__neg__",), ast.UAdd: ("__pos__",), ast.Invert: ("__invert__",), ast.Not: ("__bool__", "__len__")}
BUILTINS = {"len": ("__len__",), "abs": ("__abs__",), "hash": ("__hash__",), "repr": ("__repr__",),
            "str": ("__str__", "__repr__"), "bool": ("__bool__", "__len__"), "iter": ("__iter__",),
            "next": ("__next__",), "reversed": ("__reversed__",), "int": ("__int__", "__index__"),
            "float": ("__float__",), "round": ("__round__",), "format": ("__format__",),
            "list": ("__iter__",), "tuple": ("__iter__",), "set": ("__iter__", "__hash__"),
            "sorted": ("__iter__", "__lt__"),
            "dict": ("__iter__",), "copy": ("__copy__",), "deepcopy": ("__deepcopy__",), "pickle": ("__reduce__",),
            "dumps": ("__reduce__", "__getstate__"), "loads": ("__setstate__",), "isinstance": ("__instancecheck__",),
            "getattr": ("__getattr__",), "setattr": ("__setattr__",), "delattr": ("__delattr__",)}
# unittest's assertion methods compare with operators too
ASSERTS = {"assertEqual": ("__eq__",), "assertEquals": ("__eq__",), "assertNotEqual": ("__ne__", "__eq__"),
           "assertIn": ("__contains__", "__iter__"), "assertNotIn": ("__contains__", "__iter__"),
           "assertLess": ("__lt__",), "assertLessEqual": ("__le__",), "assertGreater": ("__gt__",),
           "assertGreaterEqual": ("__ge__",), "assertTrue": ("__bool__", "__len__"),
           "assertFalse": ("__bool__", "__len__"), "assertCountEqual": ("__iter__", "__eq__"),
           "assertListEqual": ("__eq__", "__iter__"), "assertDictEqual": ("__eq__",),
           "assertAlmostEqual": ("__sub__", "__round__", "__eq__"), "assertSequenceEqual": ("__eq__", "__len__")}
BUILTINS = {**BUILTINS, **ASSERTS}
ALWAYS = ("__init__", "__new__")  # constructing the class runs them
DERIVED_SHARE = 0.4  # the methods a reached dunder calls
DEEPER_CLASS = 0.5  # a class the test reaches one call deeper (compose() returns a Compose)
ELSEWHERE = 0.5  # a dunder the test uses outside its failing statement


def dunders_used(source: str) -> set[str]:
    """The dunder methods the code in `source` invokes through operators and builtins (no call edge)."""
    try:
        tree = ast.parse(textwrap.dedent(source))
    except (SyntaxError, ValueError):
        return set()
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for op in node.ops:
                out.update(COMPARE.get(type(op), ()))
        elif isinstance(node, (ast.BinOp, ast.AugAssign)):
            name = BINARY.get(type(node.op))
            if name:
                out.update({f"__{name}__", f"__r{name}__", f"__i{name}__"})
        elif isinstance(node, ast.UnaryOp):
            out.update(UNARY.get(type(node.op), ()))
        elif isinstance(node, ast.Subscript):
            out.add({ast.Store: "__setitem__", ast.Del: "__delitem__"}.get(type(node.ctx), "__getitem__"))
        elif isinstance(node, (ast.For, ast.comprehension, ast.Starred)):
            out.update(("__iter__", "__next__"))
        elif isinstance(node, ast.With):
            out.update(("__enter__", "__exit__"))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            out.update(BUILTINS.get(name, ()))
            if isinstance(func, (ast.Call, ast.Subscript)):  # f(x)(y): the result is called
                out.add("__call__")
        elif isinstance(node, ast.Assert):
            out.add("__bool__")
    return out


def failing_statements(output: str) -> list[str]:
    """The statements pytest marks as failing (`>` lines, first frame of each failure) and its `E assert` lines."""
    out: list[str] = []
    block: list[str] = []
    in_section = False
    for line in output.splitlines():
        if line.startswith("____") or line.startswith("===="):
            in_section, block = True, []
            continue
        if not in_section:
            continue
        if line.startswith(">"):
            block.append(line[1:])
        elif block and line.startswith("E "):
            out.append(textwrap.dedent("\n".join(block)))
            block, in_section = [], False
        elif block and line.startswith(" "):
            block.append(line)
    for line in output.splitlines():
        if line.startswith("E ") and line[1:].strip().startswith("assert "):
            out.append(line[1:].strip())
    return out


def _loose_dunders(statement: str) -> set[str]:
    """`dunders_used` of a statement that may not parse on its own (a continued line): retry line by line."""
    found = dunders_used(statement)
    if found:
        return found
    for line in statement.splitlines():
        found |= dunders_used(line.strip().rstrip(",(["))
    return found


def _reached_classes(index: Any, tests: Iterable[Any], by_file: dict[str, list[Any]]) -> dict[int, float]:
    """Classes a test constructs or calls into directly (1.0), or one call deeper (DEEPER_CLASS)."""
    classes: dict[int, float] = {}

    def owner(sym: Any) -> Any | None:
        if sym.kind == "class":
            return sym
        if "." not in (sym.qualname or ""):
            return None
        parent = sym.qualname.rsplit(".", 1)[0]
        return next((s for s in by_file.get(sym.path, []) if s.kind == "class" and s.qualname == parent), None)

    for test in tests:
        for callee, _ in index.callees(test.id):
            cls = owner(callee)
            if cls is not None and cls.path != test.path:
                classes[cls.id] = 1.0
            for deeper, _ in index.callees(callee.id)[:20]:
                cls = owner(deeper)
                if cls is not None and cls.path != test.path:
                    classes[cls.id] = max(classes.get(cls.id, 0.0), DEEPER_CLASS)
    return classes


def operator_edges(index: Any, tests: Iterable[Any], by_file: dict[str, list[Any]], source: SourceCache,
                   failures: str = "") -> dict[int, float]:
    """Dunder methods of the classes the failing tests reach that the tests invoke by operator.

    value = class value (1.0 direct, DEEPER_CLASS one call deeper) x (1.0 when the failing statement pytest
    marks uses the operator, ELSEWHERE when only the rest of the test does); the dunder's callees get
    DERIVED_SHARE of that.
    """
    tests = list(tests)
    strong: set[str] = set()
    for statement in failing_statements(failures):
        strong |= _loose_dunders(statement)
    used: set[str] = set(strong)
    for test in tests:
        used |= dunders_used(source.span(test.path, test.start_line, test.end_line))
    if not used:
        return {}
    used.update(ALWAYS)
    out: dict[int, float] = {}
    for cid, value in _reached_classes(index, tests, by_file).items():
        cls = index.symbol_by_id(cid)
        if cls is None:
            continue
        depth = cls.qualname.count(".") + 1
        for member in by_file.get(cls.path, []):
            if (member.name in used and member.qualname.startswith(cls.qualname + ".")
                    and member.qualname.count(".") == depth):
                v = value * (1.0 if member.name in strong else ELSEWHERE)
                out[member.id] = max(out.get(member.id, 0.0), v)
                for callee, _ in index.callees(member.id)[:20]:
                    out[callee.id] = max(out.get(callee.id, 0.0), DERIVED_SHARE * v)
    return out

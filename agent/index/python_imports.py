"""Python-specific resolution inside one file: imports (with `as` renames and relative levels) and `self.`.

The result is a `hint` on each reference: the qualified name it most likely denotes
(`from a import b as c; c()` -> `a.b`, `self.save()` in class `m.Model` -> `m.Model.save`). The graph
builder resolves hints against the whole repo's definitions and falls back to plain names.
"""

from __future__ import annotations

from typing import Any

from agent.index.extract import DefRow, RefRow

SELF_NAMES = ("self", "cls")


def _text(node: Any) -> str:
    return node.text.decode("utf-8", "replace")


def _package(module: str, path: str) -> list[str]:
    parts = module.split(".") if module else []
    return parts if path.endswith("__init__.py") else parts[:-1]


def _bindings(imports: list[Any], module: str, path: str) -> tuple[dict[str, str], list[tuple[str, int, str]]]:
    """Local name -> qualified target, and the import references (name, line, target)."""
    binds: dict[str, str] = {}
    import_refs: list[tuple[str, int, str]] = []
    for stmt in imports:
        line = stmt.start_point[0] + 1
        if stmt.type == "import_statement":
            for child in stmt.named_children:
                if child.type == "aliased_import":
                    target = _text(child.child_by_field_name("name"))
                    binds[_text(child.child_by_field_name("alias"))] = target
                elif child.type == "dotted_name":
                    target = _text(child)
                    binds[target.split(".")[0]] = target.split(".")[0]
                else:
                    continue
                import_refs.append((target.rsplit(".", 1)[-1], line, target))
            continue
        mod_node = stmt.child_by_field_name("module_name")
        if mod_node is None:
            continue
        if mod_node.type == "relative_import":
            raw = _text(mod_node)
            dots = len(raw) - len(raw.lstrip("."))
            rest = raw.lstrip(".")
            base = _package(module, path)
            base = base[: len(base) - (dots - 1)] if dots > 1 else base
            source = ".".join(base + ([rest] if rest else []))
        else:
            source = _text(mod_node)
        for child in stmt.named_children:
            if child == mod_node:
                continue
            if child.type == "aliased_import":
                name = _text(child.child_by_field_name("name"))
                local = _text(child.child_by_field_name("alias"))
            elif child.type == "dotted_name":
                name = local = _text(child)
            else:
                continue
            target = f"{source}.{name}" if source else name
            binds[local] = target
            import_refs.append((name.rsplit(".", 1)[-1], line, target))
    return binds, import_refs


def _enclosing_class(defs: list[DefRow], index: int) -> str | None:
    seen = 0
    while index > 0 and seen < 50:
        name, qual, kind, *_rest, parent = defs[index]
        if kind == "class":
            return qual
        index = parent
        seen += 1
    return None


def _innermost(defs: list[DefRow], line: int) -> int:
    best = 0
    for i in range(1, len(defs)):
        d = defs[i]
        if d[3] <= line <= d[4]:
            best = i
        elif d[3] > line:
            break
    return best


def apply_python_hints(imports: list[Any], nodes: list[Any], rows: list[RefRow], defs: list[DefRow], path: str) -> list[RefRow]:
    """Fill each reference's hint from the file's imports and `self.`; add one `import` reference per name."""
    module = defs[0][1]
    binds, import_refs = _bindings(imports, module, path)
    out: list[RefRow] = []
    append = out.append
    for row, node in zip(rows, nodes):
        name, line, kind, enclosing, _ = row
        parent = node.parent
        # the `attribute` field is an attribute node's last child: ending where its parent ends says it is that
        # field (cheaper than fetching the field and comparing nodes, ~300k times on django)
        if parent is None or parent.end_byte != node.end_byte or parent.type != "attribute":
            append((name, line, kind, enclosing, binds.get(name, "")) if binds else row)
            continue
        hint = ""
        obj = parent.child_by_field_name("object")
        if obj is not None:
            otype = obj.type
            if otype == "identifier":
                otext = obj.text.decode("utf-8", "replace")
                if otext in SELF_NAMES:
                    cls = _enclosing_class(defs, enclosing)
                    hint = f"{cls}.{name}" if cls else ""
                elif otext in binds:
                    hint = f"{binds[otext]}.{name}"
            elif otype == "attribute":
                otext = obj.text.decode("utf-8", "replace")
                head = otext.split(".", 1)[0]
                if head in binds and all(p.isidentifier() for p in otext.split(".")):
                    hint = f"{binds[head]}{otext[len(head):]}.{name}"
        append((name, line, kind, enclosing, hint))
    for name, line, target in import_refs:
        out.append((name, line, "import", _innermost(defs, line), target))
    return out

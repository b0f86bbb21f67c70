"""Python-specific resolution inside one file: imports (with `as` renames and relative levels) and `self.`.

The result is a `hint` on each reference: the qualified name it most likely denotes
(`from a import b as c; c()` -> `a.b`, `self.save()` in class `m.Model` -> `m.Model.save`). The graph
builder resolves hints against the whole repo's definitions and falls back to plain names.
"""

from __future__ import annotations

from sys import intern
from typing import Any

from agent.index.extract import DefRow, Row, enclosings

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


def attribute_objects(refs: dict[int, tuple[str, int, str, Any]]) -> dict[int, Any]:
    """Reference byte -> its attribute's `object` node (None if it has none), for references that are an
    attribute's `attribute` field, found through each node's parent (the fallback when the query did not
    pair them up). The field is an attribute node's last child: ending where the parent ends says it is."""
    out: dict[int, Any] = {}
    for byte, (_, _, _, node) in refs.items():
        parent = node.parent
        if parent is not None and parent.end_byte == node.end_byte and parent.type == "attribute":
            out[byte] = parent.child_by_field_name("object")
    return out


_PLAIN = object()  # not an attribute's `attribute` field


def python_rows(imports: list[Any], refs: dict[int, tuple[str, int, str, Any]], objects: dict[int, Any],
                spans: list[tuple[int, int, int]], name_bytes: set[int], defs: list[DefRow], path: str,
                src: str | None = None) -> list[Row]:
    """Reference rows of a Python file in source order: each with its innermost enclosing definition
    (`extract.enclosings`), its hint from the file's imports and `self.`, and its target name; then one
    `import` row per imported name. The hot loop of a cold build: ~300k references on django. `src` is the
    file's text when it is ASCII (nodes' text is sliced from it, cheaper than `Node.text`)."""
    binds, import_refs = _bindings(imports, defs[0][1], path)
    classes: dict[int, str | None] = {}
    out: list[Row] = []
    append = out.append
    keys = [b for b in sorted(refs) if b not in name_bytes]
    for byte, enclosing in zip(keys, enclosings(keys, spans)):
        name, line, kind, _ = refs[byte]
        obj = objects.get(byte, _PLAIN)
        if obj is _PLAIN:  # a bare name: hinted by an import binding it, whose last part is the target
            hint = binds.get(name, "") if binds else ""
            if hint:
                tname = hint.rsplit(".", 1)[-1]
                append((name, line, kind, enclosing, hint, name if tname == name else tname))
            else:
                append((name, line, kind, enclosing, "", name))
            continue
        # an attribute's name: hinted through its object; any hint ends in `.name`, so the target is the name
        hint = ""
        if obj is not None:
            otype = obj.type
            if otype == "identifier":
                otext = obj.text.decode("utf-8", "replace") if src is None else src[obj.start_byte:obj.end_byte]
                if otext in SELF_NAMES:
                    cls = classes.get(enclosing, _PLAIN)
                    if cls is _PLAIN:
                        cls = classes[enclosing] = _enclosing_class(defs, enclosing)
                    if cls:
                        hint = intern(f"{cls}.{name}")  # repeated within a file: one object, pickled once
                elif otext in binds:
                    hint = intern(f"{binds[otext]}.{name}")
            elif otype == "attribute" and binds:
                otext = obj.text.decode("utf-8", "replace") if src is None else src[obj.start_byte:obj.end_byte]
                head = otext.split(".", 1)[0]
                if head in binds and all(p.isidentifier() for p in otext.split(".")):
                    hint = intern(f"{binds[head]}{otext[len(head):]}.{name}")
        append((name, line, kind, enclosing, hint, name))
    for name, line, target in import_refs:
        append((name, line, "import", _innermost(defs, line), target, target.rsplit(".", 1)[-1] if target else name))
    return out

"""The `imported` signal: names a task imports from the repo's own modules, resolved to their definitions.

A reproducer pasted into an issue says exactly where its names come from: `from django.db.models import Q`
names the class `Q` of the package django/db/models, whatever the file that defines it (packages re-export
from submodules: Q lives in django/db/models/query_utils.py). A one-letter name is never a `mention` (it
would match everything), but an import of it is unambiguous. The methods the task then calls on such a class
(`Q(x=1).deconstruct()`) are resolved too.
"""

from __future__ import annotations

import math
import re
from typing import Any, Iterable, Mapping, Sequence

_FROM_IMPORT = re.compile(r"\bfrom\s+([A-Za-z_][\w.]*)\s+import\s+(\([^)]*\)|[^\n;]+)")
_NAME = re.compile(r"^([A-Za-z_]\w*)(?:\s+as\s+([A-Za-z_]\w*))?$")
_ATTRIBUTE_CALL = re.compile(r"\.([A-Za-z_]\w*)\s*\(")
MEMBER_SHARE = 0.8


def imported_names(text: str) -> list[tuple[str, str, str]]:
    """(module, name, local name) of every `from MODULE import a, b as c` in the text; star imports skipped."""
    found: list[tuple[str, str, str]] = []
    for module, names in _FROM_IMPORT.findall(text):
        if module.startswith("."):
            continue
        for part in names.strip("() \t\n\\").replace("\n", ",").split(","):
            part = part.strip().lstrip(">.").strip()
            match = _NAME.match(part)
            if match and match.group(1) != "*":
                item = (module, match.group(1), match.group(2) or match.group(1))
                if item not in found:
                    found.append(item)
    return found


def module_scope(module: str, files: Iterable[str]) -> tuple[str, str] | None:
    """The repo file of `module` and the directory its definitions may live in (a package re-exports from its
    submodules); None when the module is not the repo's own. A `src/` layout or any prefix is allowed."""
    path = module.replace(".", "/")
    best: tuple[str, str] | None = None
    for f in files:
        if f == f"{path}.py" or f.endswith(f"/{path}.py"):
            candidate = (f, f)
        elif f == f"{path}/__init__.py" or f.endswith(f"/{path}/__init__.py"):
            candidate = (f, f.removesuffix("__init__.py"))
        else:
            continue
        if best is None or len(candidate[0]) < len(best[0]):
            best = candidate
    return best


def import_signal(text: str, files: Iterable[str], by_name: Mapping[str, Sequence[Any]],
                  by_file: Mapping[str, Sequence[Any]]) -> dict[int, float]:
    """Symbol id -> 1 / (1 + log2 #definitions in the module's scope), the module's own file first; the methods
    the text calls (`.name(`) on an imported class get MEMBER_SHARE of the class's value."""
    imports = imported_names(text)
    if not imports:
        return {}
    files = list(files)
    called = set(_ATTRIBUTE_CALL.findall(text))
    out: dict[int, float] = {}
    for module, name, _local in imports:
        scope = module_scope(module, files)
        if scope is None:
            continue
        own_file, directory = scope
        defs = [s for s in by_name.get(name, ()) if _top_level(s, by_file)]
        matches = [s for s in defs if s.path == own_file] or [s for s in defs if s.path.startswith(directory)]
        if not matches:
            continue
        value = 1.0 / (1.0 + math.log2(len(matches)))
        for sym in matches:
            out[sym.id] = max(out.get(sym.id, 0.0), value)
            if sym.kind != "class":
                continue
            prefix = (sym.qualname or sym.name) + "."
            for member in by_file.get(sym.path, ()):
                qual = member.qualname or ""
                if qual.startswith(prefix) and "." not in qual[len(prefix):] and member.name in called:
                    out[member.id] = max(out.get(member.id, 0.0), MEMBER_SHARE * value)
    return out


def _top_level(sym: Any, by_file: Mapping[str, Sequence[Any]]) -> bool:
    """A module-level definition: what `from module import name` can bind (not a method or a nested def)."""
    qual = sym.qualname or sym.name
    if "." not in qual:
        return True
    parent = qual.rsplit(".", 1)[0]
    return not any((other.qualname == parent and other.kind != "module") for other in by_file.get(sym.path, ()))

"""The editor tool end to end on real files: bytes the model did not touch stay as they were."""

from __future__ import annotations

import os
from pathlib import Path

from tools.toolbox import Toolbox

ED = "str_replace_based_edit_tool"


def edit(tb: Toolbox, path: str, old: str, new: str):
    return tb.execute(ED, {"command": "str_replace", "path": path, "old_str": old, "new_str": new})


def test_crlf_file_keeps_crlf_and_final_newline(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_bytes(b"def f():\r\n    return 1\r\n\r\ndef g():\r\n    return 2\r\n")
    tb = Toolbox(tmp_path)
    out = edit(tb, "m.py", "def g():\n    return 2\n", "def g():\n    x = 3\n    return x\n")
    assert not out.is_error, out.text
    assert (tmp_path / "m.py").read_bytes() == b"def f():\r\n    return 1\r\n\r\ndef g():\r\n    x = 3\r\n    return x\r\n"


def test_missing_final_newline_is_preserved(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"one\ntwo")
    tb = Toolbox(tmp_path)
    assert not edit(tb, "a.txt", "two", "TWO").is_error
    assert (tmp_path / "a.txt").read_bytes() == b"one\nTWO"


def test_tabs_file_edit_keeps_tabs(tmp_path: Path) -> None:
    (tmp_path / "t.go").write_bytes(b"package main\n\nfunc f(x int) int {\n\tif x > 0 {\n\t\treturn 1\n\t}\n\treturn 0\n}\n")
    tb = Toolbox(tmp_path)
    out = edit(tb, "t.go", "    if x > 0 {\n        return 1\n    }\n", "    if x > 0 {\n        return 2\n    }\n")
    assert not out.is_error, out.text
    assert b"\t\treturn 2\n" in (tmp_path / "t.go").read_bytes()


def test_latin1_and_bom_encodings_round_trip(tmp_path: Path) -> None:
    (tmp_path / "l.py").write_bytes("# caf\xe9\nx = 1\n".encode("latin-1"))
    (tmp_path / "b.py").write_bytes(b"\xef\xbb\xbfx = 1\ny = 2\n")
    tb = Toolbox(tmp_path)
    assert not edit(tb, "l.py", "x = 1", "x = 2").is_error
    assert (tmp_path / "l.py").read_bytes() == "# caf\xe9\nx = 2\n".encode("latin-1")
    assert not edit(tb, "b.py", "y = 2", "y = 3").is_error
    assert (tmp_path / "b.py").read_bytes() == b"\xef\xbb\xbfx = 1\ny = 3\n"
    bad = edit(tb, "l.py", "x = 2", "x = '\u2192'")
    assert bad.is_error and "encoding" in bad.text


def test_view_with_range_and_truncation_note(tmp_path: Path) -> None:
    (tmp_path / "v.py").write_text("".join(f"line{i} = {i}\n" for i in range(1, 21)))
    tb = Toolbox(tmp_path)
    out = tb.execute(ED, {"command": "view", "path": "v.py", "view_range": [3, 5]})
    assert out.text == "     3\tline3 = 3\n     4\tline4 = 4\n     5\tline5 = 5"
    tail = tb.execute(ED, {"command": "view", "path": "v.py", "view_range": [19, -1]})
    assert tail.text.splitlines()[-1] == "    20\tline20 = 20"
    bad = tb.execute(ED, {"command": "view", "path": "v.py", "view_range": [30, 40]})
    assert bad.is_error and "20 lines" in bad.text


def test_view_directory_lists_two_levels(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "sub" / "deep").mkdir(parents=True)
    (tmp_path / "pkg" / "a.py").write_text("")
    (tmp_path / "pkg" / "sub" / "b.py").write_text("")
    (tmp_path / "pkg" / "sub" / "deep" / "c.py").write_text("")
    out = Toolbox(tmp_path).execute(ED, {"command": "view", "path": "."}).text
    assert "pkg/a.py" in out and "pkg/sub/" in out and "c.py" not in out


def test_insert_accepts_insert_text_and_new_str(tmp_path: Path) -> None:
    (tmp_path / "i.py").write_text("a = 1\nb = 2\n")
    tb = Toolbox(tmp_path)
    assert not tb.execute(ED, {"command": "insert", "path": "i.py", "insert_line": 1, "insert_text": "c = 3\n"}).is_error
    assert not tb.execute(ED, {"command": "insert", "path": "i.py", "insert_line": 0, "new_str": "import os"}).is_error
    assert (tmp_path / "i.py").read_text() == "import os\na = 1\nc = 3\nb = 2\n"
    bad = tb.execute(ED, {"command": "insert", "path": "i.py", "insert_line": 99, "insert_text": "x"})
    assert bad.is_error and "0..4" in bad.text


def test_create_new_file_and_track_edits(tmp_path: Path) -> None:
    tb = Toolbox(tmp_path)
    out = tb.execute(ED, {"command": "create", "path": "pkg/new.py", "file_text": "VALUE = 1\n"})
    assert not out.is_error
    assert (tmp_path / "pkg" / "new.py").read_text() == "VALUE = 1\n"
    assert tb.edited_paths() == {"pkg/new.py"}
    tb.clear_edited()
    assert tb.edited_paths() == set()


def test_python_syntax_error_is_rolled_back(tmp_path: Path) -> None:
    src = "def f():\n    return 1\n"
    (tmp_path / "s.py").write_text(src)
    tb = Toolbox(tmp_path)
    out = edit(tb, "s.py", "    return 1\n", "    return (1\n")
    assert out.is_error and "NOT applied" in out.text and ">     2\t    return (1" in out.text
    assert (tmp_path / "s.py").read_text() == src
    assert tb.edited_paths() == set()


def test_tree_sitter_syntax_error_is_rolled_back_for_js(tmp_path: Path) -> None:
    src = "function f(a) {\n  return a + 1;\n}\n"
    (tmp_path / "f.js").write_text(src)
    tb = Toolbox(tmp_path)
    out = edit(tb, "f.js", "  return a + 1;\n}", "  return a + 1;\n")
    assert out.is_error and "syntax error" in out.text
    assert (tmp_path / "f.js").read_text() == src
    assert not edit(tb, "f.js", "a + 1", "a + 2").is_error


def test_file_already_broken_can_still_be_edited(tmp_path: Path) -> None:
    (tmp_path / "b.py").write_text("def f(:\n    pass\nX = 1\n")
    out = edit(Toolbox(tmp_path), "b.py", "X = 1", "X = 2")
    assert not out.is_error


def test_paths_outside_root_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (tmp_path / "outside.txt").write_text("secret stuff")
    os.symlink(tmp_path / "outside.txt", root / "link.txt")
    tb = Toolbox(root)
    for path in ("../outside.txt", str(tmp_path / "outside.txt"), "link.txt"):
        out = tb.execute(ED, {"command": "view", "path": path})
        assert out.is_error and "outside" in out.text, path
    out = tb.execute(ED, {"command": "create", "path": "../evil.py", "file_text": "x"})
    assert out.is_error and not (tmp_path / "evil.py").exists()


def test_absolute_path_with_made_up_root_prefix_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("x = 1\n")
    out = Toolbox(tmp_path).execute(ED, {"command": "view", "path": "/repo/pkg/m.py"})
    assert not out.is_error and "x = 1" in out.text


def test_model_mistakes_are_tool_errors_not_exceptions(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("x = 1\n")
    tb = Toolbox(tmp_path)
    assert tb.execute(ED, {"command": "undo_edit", "path": "m.py"}).is_error
    assert tb.execute(ED, {"command": "str_replace", "path": "m.py"}).is_error
    assert tb.execute(ED, {"command": "view"}).is_error
    assert tb.execute(ED, {"command": "view", "path": "nope.py"}).is_error
    assert tb.execute(ED, "not json").is_error
    assert tb.execute("no_such_tool", {}).is_error


def test_mixed_line_endings_outside_the_edit_are_untouched(tmp_path: Path) -> None:
    (tmp_path / "mix.txt").write_bytes(b"a\r\nb\nc\r\nd\n")
    assert not edit(Toolbox(tmp_path), "mix.txt", "c", "C").is_error
    assert (tmp_path / "mix.txt").read_bytes() == b"a\r\nb\nC\r\nd\n"


def test_rebuild_matches_the_lf_text_for_random_edits() -> None:
    """Property check: whatever the LF-level edit, the rebuilt file says exactly that and keeps the endings."""
    import random

    from tools.editor import rebuild
    from tools.fileio import parse

    rng = random.Random(3)
    for _ in range(2000):
        n = rng.randint(0, 6)
        lines = [rng.choice(["a", "b", "ab", ""]) for _ in range(n)]
        ends = [rng.choice(["\n", "\r\n"]) for _ in range(n)]
        if n and rng.random() < 0.3:
            ends[-1] = ""
        tf = parse("".join(x + e for x, e in zip(lines, ends)).encode())
        old = tf.text
        i = rng.randint(0, len(old))
        j = rng.randint(i, len(old))
        new = old[:i] + rng.choice(["", "x", "\n", "x\n", "\nx"]) + old[j:]
        out = rebuild(tf, old, new)
        assert out.text == new and len(out.lines) == len(out.endings)
        if "\r\n" not in ends and "\r\n" in "".join(out.endings):
            raise AssertionError("a CRLF appeared in an LF-only file")

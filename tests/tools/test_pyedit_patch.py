"""libcst edits by qualified name and unified-diff application."""

from __future__ import annotations

from pathlib import Path

from tools.toolbox import Toolbox

SRC = '''import os

# Configuration holder.
class Config:
    """Settings."""

    # cache the path
    def path(self):
        return os.getcwd()  # current dir

    def name(self):
        return "cfg"


def helper(x):
    return x * 2
'''


def test_replace_method_keeps_comments_around_it(tmp_path: Path) -> None:
    (tmp_path / "c.py").write_text(SRC)
    tb = Toolbox(tmp_path)
    out = tb.execute("python_edit", {"path": "c.py", "symbol": "Config.path", "action": "replace",
                                     "code": "def path(self):\n    return '/tmp'\n"})
    assert not out.is_error, out.text
    text = (tmp_path / "c.py").read_text()
    assert "    # cache the path\n    def path(self):\n        return '/tmp'\n" in text
    assert "# Configuration holder." in text and 'return "cfg"' in text and "# current dir" not in text


def test_insert_after_and_delete(tmp_path: Path) -> None:
    (tmp_path / "c.py").write_text(SRC)
    tb = Toolbox(tmp_path)
    assert not tb.execute("python_edit", {"path": "c.py", "symbol": "Config.name", "action": "insert_after",
                                          "code": "def size(self):\n    return 3"}).is_error
    assert not tb.execute("python_edit", {"path": "c.py", "symbol": "helper", "action": "delete"}).is_error
    text = (tmp_path / "c.py").read_text()
    assert '        return "cfg"\n\n    def size(self):\n        return 3\n' in text
    assert "def helper" not in text
    compile(text, "c.py", "exec")


def test_unknown_symbol_lists_what_exists(tmp_path: Path) -> None:
    (tmp_path / "c.py").write_text(SRC)
    out = Toolbox(tmp_path).execute("python_edit", {"path": "c.py", "symbol": "Config.nope", "action": "replace", "code": "x = 1"})
    assert out.is_error and "path, name" in out.text
    assert (tmp_path / "c.py").read_text() == SRC


def test_crlf_file_stays_crlf_after_libcst_edit(tmp_path: Path) -> None:
    (tmp_path / "w.py").write_bytes(SRC.replace("\n", "\r\n").encode())
    tb = Toolbox(tmp_path)
    assert not tb.execute("python_edit", {"path": "w.py", "symbol": "helper", "action": "replace",
                                          "code": "def helper(x):\n    return x * 3\n"}).is_error
    data = (tmp_path / "w.py").read_bytes()
    assert b"return x * 3\r\n" in data and data.count(b"\n") == data.count(b"\r\n")


def test_unified_diff_applies_with_tolerant_context(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("def a():\n    return 1\n\n\ndef b():\n    return 2\n")
    diff = "--- a/m.py\n+++ b/m.py\n@@ -5,2 +5,2 @@\n def b():  \n-    return 2\n+    return 20\n"
    out = Toolbox(tmp_path).execute("apply_patch", {"patch": diff})
    assert not out.is_error, out.text
    assert (tmp_path / "m.py").read_text() == "def a():\n    return 1\n\n\ndef b():\n    return 20\n"


def test_unified_diff_creates_files_and_is_all_or_nothing(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("x = 1\n")
    tb = Toolbox(tmp_path)
    diff = "--- /dev/null\n+++ b/new.py\n@@ -0,0 +1,2 @@\n+A = 1\n+B = 2\n--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-x = 1\n+x = (\n"
    out = tb.execute("apply_patch", {"patch": diff})
    assert out.is_error and "syntax" in out.text
    assert not (tmp_path / "new.py").exists() and (tmp_path / "m.py").read_text() == "x = 1\n"
    ok = tb.execute("apply_patch", {"patch": diff.replace("+x = (", "+x = 2")})
    assert not ok.is_error
    assert (tmp_path / "new.py").read_text() == "A = 1\nB = 2\n" and (tmp_path / "m.py").read_text() == "x = 2\n"
    assert tb.edited_paths() == {"new.py", "m.py"}

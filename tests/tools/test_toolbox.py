"""The Toolbox as the loop uses it: schemas, dispatch, index refresh, shell and run_tests via a sandbox."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from tools.toolbox import Toolbox


class RecordingIndex:
    """An IndexLike over a small fixed symbol table that records refresh requests."""

    def __init__(self) -> None:
        self.updated: list[list[str]] = []

    def definitions(self, name: str):
        if name != "add":
            return []
        return [SimpleNamespace(name="add", qualname="calc.add", kind="function", path="calc.py", start_line=1,
                                end_line=2, signature="def add(a, b)")]

    def references(self, name: str):
        return [SimpleNamespace(name=name, path="main.py", line=3, kind="call")] if name == "add" else []

    def repo_map(self, query: str = "", tokens: int = 1024):
        return SimpleNamespace(text=f"calc.py:\n  def add(a, b)  # query={query} tokens={tokens}")

    def update_files(self, paths: list[str]) -> None:
        self.updated.append(list(paths))

    def tests_for_symbols(self, symbol_ids) -> list[str]:
        return []

    def symbol_at(self, path: str, line: int):
        return None


def test_schemas_render_for_both_providers(tmp_path: Path, local_sandbox) -> None:
    tb = Toolbox(tmp_path, index=RecordingIndex(), sandbox=local_sandbox)
    names = [s.name for s in tb.schemas()]
    assert names == ["str_replace_based_edit_tool", "apply_patch", "python_edit", "search", "symbols", "run_tests", "shell"]
    editor = tb.schemas()[0]
    assert editor.to_anthropic() == {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"}
    assert editor.to_openai()["function"]["parameters"]["properties"]["command"]["enum"] == ["view", "str_replace", "create", "insert"]
    plain = Toolbox(tmp_path, native_editor=False).schemas()[0].to_anthropic()
    assert plain["input_schema"]["required"] == ["command", "path"]
    assert [s.name for s in Toolbox(tmp_path).schemas()] == ["str_replace_based_edit_tool", "apply_patch", "python_edit", "search"]


def test_edit_refreshes_the_index_and_symbols_answer(tmp_path: Path) -> None:
    (tmp_path / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    index = RecordingIndex()
    tb = Toolbox(tmp_path, index=index)
    tb.execute("str_replace_based_edit_tool", {"command": "str_replace", "path": "calc.py", "old_str": "a + b", "new_str": "b + a"})
    assert index.updated == [["calc.py"]]
    assert tb.execute("symbols", {"action": "definition", "name": "add"}).text == "calc.py:1-2 function calc.add  def add(a, b)"
    assert tb.execute("symbols", {"action": "references", "name": "add"}).text == "main.py:3 call add"
    assert "tokens=512" in tb.execute("symbols", {"action": "repo_map", "query": "add", "tokens": 512}).text
    assert tb.execute("symbols", {"action": "definition"}).is_error


def test_shell_runs_in_the_sandbox_and_records_changed_files(tmp_path: Path, local_sandbox) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "a.txt").write_text("old\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "."], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init"], check=True)
    tb = Toolbox(tmp_path, sandbox=local_sandbox)
    out = tb.execute("shell", {"command": "sed -i s/old/new/ a.txt && echo done && exit 3"})
    assert out.text.startswith("exit code 3;") and "done" in out.text
    assert local_sandbox.calls[-1][:2] == ["bash", "-c"]
    assert tb.edited_paths() == {"a.txt"}
    assert (tmp_path / "a.txt").read_text() == "new\n"


def test_shell_output_is_redacted(tmp_path: Path, local_sandbox) -> None:
    key = "sk-ant-api03-" + "Z9y8X7w6V5u4T3s2R1q0" * 3
    out = Toolbox(tmp_path, sandbox=local_sandbox).execute("shell", {"command": f"echo {key}"})
    assert key not in out.text and "[REDACTED]" in out.text


def test_run_tests_tool_summarises_failures(tmp_path: Path, local_sandbox) -> None:
    (tmp_path / "test_m.py").write_text("def test_ok():\n    assert True\n\ndef test_bad():\n    assert 1 + 1 == 3\n")
    tb = Toolbox(tmp_path, sandbox=local_sandbox, test_command=[sys.executable, "-m", "pytest"])
    out = tb.execute("run_tests", {})
    assert out.text.startswith("Tests FAILED (exit code 1): 1 failed, 1 passed")
    assert "FAILED test_m.py::test_bad" in out.text and "assert (1 + 1) == 3" in out.text
    assert tb.last_test_run is not None and [c.nodeid for c in tb.last_test_run.failed] == ["test_m.py::test_bad"]
    only = tb.execute("run_tests", {"select": ["test_m.py::test_ok"]})
    assert only.text.startswith("Tests PASSED")
    assert tb.execute("run_tests", {"select": ["../elsewhere.py"]}).is_error


def test_tools_without_a_sandbox_say_so(tmp_path: Path) -> None:
    tb = Toolbox(tmp_path)
    out = tb.execute("shell", {"command": "ls"})
    assert out.is_error and "unknown tool" in out.text

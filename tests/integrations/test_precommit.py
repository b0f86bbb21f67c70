"""dial's hooks under the real pre-commit framework: a commit that breaks a test is stopped with the right
test named, and dial-fix repairs it with the loopback model, leaving the fix unstaged and saved as a patch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.coder import ScriptedCoder
from tests.servers.anthropic_server import AnthropicServer

FILES = {
    "pyproject.toml": '[project]\nname = "calc"\nversion = "0"\n\n[tool.pytest.ini_options]\npythonpath = ["."]\n',
    ".dial.toml": "[loop]\nflaky_reruns = 0\n",
    "calc.py": "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n",
    "geometry.py": "from calc import mul\n\n\ndef area(w, h):\n    return mul(w, h)\n",
    "words.py": "def shout(s):\n    return s.upper()\n",
    "tests/test_geometry.py": "from geometry import area\n\n\ndef test_area():\n    assert area(3, 4) == 12\n",
    "tests/test_add.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
    # fails on purpose but does not reach calc: dial-check must not run it
    "tests/test_words.py": "from words import shout\n\n\ndef test_shout():\n    assert shout('a') == 'B'\n",
}
BROKEN = "def mul(a, b):\n    return a + b\n"
GOOD_MUL = "def mul(a, b):\n    return a * b\n"


def sh(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=repo, env=env, capture_output=True, text=True, timeout=300)


def make_repo(tmp_path: Path, env: dict[str, str], hook_repo: tuple[Path, str], hook: str) -> Path:
    repo = tmp_path / "proj"
    for name, text in FILES.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    path, sha = hook_repo
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {path}\n  rev: {sha}\n  hooks:\n  - id: {hook}\n"
    )
    for args in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "init"]):
        assert sh(repo, env, *args).returncode == 0
    return repo



def stage_broken_mul(repo: Path, env: dict[str, str]) -> Path:
    """Break calc.mul (tests/test_geometry.py::test_area reaches it) and stage the change; returns calc.py."""
    calc = repo / "calc.py"
    calc.write_text(calc.read_text().replace(GOOD_MUL, BROKEN))
    sh(repo, env, "git", "add", "calc.py")
    return calc

@pytest.fixture(scope="module")
def installed(hook_repo: tuple[Path, str], precommit_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> None:
    """Install the hook environment once (pip from the wheelhouse only)."""
    repo = make_repo(tmp_path_factory.mktemp("install"), precommit_env, hook_repo, "dial-check")
    done = sh(repo, precommit_env, sys.executable, "-m", "pre_commit", "install-hooks")
    assert done.returncode == 0, done.stdout + done.stderr


def test_dial_check_stops_a_commit_that_breaks_a_test_reaching_the_change(
    tmp_path: Path, hook_repo: tuple[Path, str], precommit_env: dict[str, str], installed: None
) -> None:
    env = precommit_env
    repo = make_repo(tmp_path, env, hook_repo, "dial-check")
    assert sh(repo, env, sys.executable, "-m", "pre_commit", "install").returncode == 0
    calc = stage_broken_mul(repo, env)
    (repo / "words.py").write_text("def shout(s):\n    return s.upper()  # unstaged\n")
    head = sh(repo, env, "git", "rev-parse", "HEAD").stdout

    done = sh(repo, env, "git", "commit", "-m", "break mul")
    out = done.stdout + done.stderr
    assert done.returncode != 0, out
    assert "tests/test_geometry.py::test_area" in out  # reached through geometry.area -> calc.mul
    assert "test_shout" not in out and "test_add" not in out  # not reached: not run
    assert "calc.mul" in out and "the Python that started pre-commit" in out
    assert sh(repo, env, "git", "rev-parse", "HEAD").stdout == head
    assert "# unstaged" in (repo / "words.py").read_text()  # pre-commit's stash came back

    calc.write_text(calc.read_text().replace(BROKEN, "def mul(a, b):\n    return b * a\n"))
    sh(repo, env, "git", "add", "calc.py")
    done = sh(repo, env, "git", "commit", "-m", "commute mul")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout + done.stderr
    assert "dial check" in out and "Passed" in out


def test_dial_fix_without_a_key_checks_and_with_the_model_fixes_unstaged(
    tmp_path: Path, hook_repo: tuple[Path, str], precommit_env: dict[str, str], installed: None
) -> None:
    env = precommit_env
    repo = make_repo(tmp_path, env, hook_repo, "dial-fix")
    calc = stage_broken_mul(repo, env)
    run = [sys.executable, "-m", "pre_commit", "run", "dial-fix"]

    done = sh(repo, env, *run)
    out = done.stdout + done.stderr
    assert done.returncode == 1 and "no model key" in out and "tests/test_geometry.py::test_area" in out, out
    assert BROKEN in calc.read_text()

    coder = ScriptedCoder({"calc.py": [(BROKEN, GOOD_MUL)]})
    with AnthropicServer([coder] * 20) as server:
        keyed = {**env, "ANTHROPIC_API_KEY": "loopback-no-key", "ANTHROPIC_BASE_URL": server.base_url}
        done = sh(repo, keyed, *run)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out  # the commit stops so the fix gets reviewed
    assert "return a * b" in calc.read_text(), out  # the fix is in the working tree ...
    assert BROKEN in sh(repo, env, "git", "show", ":calc.py").stdout  # ... and not staged
    [patch] = list((repo / ".dial").glob("fix-*.patch"))
    assert "+    return a * b" in patch.read_text()
    assert f"git apply {patch.relative_to(repo)}" in out and "the tests pass with it" in out
    assert coder.seen, "the loopback model was never asked"


def test_dial_fix_rolled_back_by_pre_commit_survives_as_a_patch(
    tmp_path: Path, hook_repo: tuple[Path, str], precommit_env: dict[str, str], installed: None
) -> None:
    env = precommit_env
    repo = make_repo(tmp_path, env, hook_repo, "dial-fix")
    calc = stage_broken_mul(repo, env)
    wip = BROKEN.replace("return a + b", "return a + b  # work in progress")
    calc.write_text(calc.read_text().replace(BROKEN, wip))  # unstaged, on the very line dial will fix

    coder = ScriptedCoder({"calc.py": [(BROKEN, GOOD_MUL)]})
    with AnthropicServer([coder] * 20) as server:
        keyed = {**env, "ANTHROPIC_API_KEY": "loopback-no-key", "ANTHROPIC_BASE_URL": server.base_url}
        done = sh(repo, keyed, sys.executable, "-m", "pre_commit", "run", "dial-fix")
    out = done.stdout + done.stderr
    assert done.returncode == 1 and "Rolling back fixes" in out, out
    assert wip in calc.read_text()  # pre-commit gave the user's unstaged work back ...
    [patch] = list((repo / ".dial").glob("fix-*.patch"))  # ... and dial's fix is not lost
    assert sh(repo, env, "git", "apply", "--cached", str(patch)).returncode == 0
    assert "return a * b" in sh(repo, env, "git", "show", ":calc.py").stdout

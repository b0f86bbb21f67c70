"""Session fixtures for the pre-commit tests: dial as a hook repository, and pip kept off the network.

pre-commit installs a python hook with `pip install .` from the hook repository into its own virtualenv.
The hook repository is a committed snapshot of this working tree (so uncommitted and new files count, which
`pre-commit try-repo` would miss for untracked files), pip reads only the wheelhouse `./scripts/setup` builds,
and one PRE_COMMIT_HOME is shared by the session so the hook environment is installed once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WHEELHOUSE = ROOT / ".wheelhouse"
SKIP = {".git", ".venv", "venv", ".wheelhouse", ".dial", "__pycache__", ".pytest_cache", "build", "dist", ".corpora",
        ".work"}
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}


def _ignore(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n in SKIP or n.endswith(".egg-info")}


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This repository's working tree, committed into a scratch git repo: (path, commit)."""
    dest = tmp_path_factory.mktemp("hookrepo") / "dial"
    shutil.copytree(ROOT, dest, ignore=_ignore, symlinks=True)
    env = {**os.environ, **GIT_ENV}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run(["git", *args], cwd=dest, env=env, check=True, capture_output=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=dest, capture_output=True, text=True, check=True).stdout
    return dest, sha.strip()


@pytest.fixture(scope="session")
def precommit_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for running pre-commit offline, with no model key and no user-level dial config."""
    wheels = list(WHEELHOUSE.glob("setuptools-*.whl")) if WHEELHOUSE.is_dir() else []
    if not wheels:
        pytest.fail(f"no wheelhouse at {WHEELHOUSE}: run ./scripts/setup (it builds the wheels the pre-commit "
                    "tests install offline)")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ANTHROPIC_", "OPENAI_", "PIP_", "PRE_COMMIT", "VIRTUAL_ENV", "GIT_"))}
    env.update(
        PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")),
        PIP_FIND_LINKS=str(WHEELHOUSE),
        PIP_NO_INDEX="1",
        PIP_NO_COMPILE="0",  # pip's inverted env spelling of --no-compile: skips byte-compiling ~1,500 files
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        XDG_CONFIG_HOME=str(tmp_path_factory.mktemp("xdg")),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        **GIT_ENV,
    )
    return env

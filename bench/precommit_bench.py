"""How long dial-check takes to pick the tests for a staged change on a large repo with a warm index.

Run: `/work/venv/bin/python bench/precommit_bench.py` (uses the Django 3.2 sdist in bench/.corpora; the
first run builds the index cold, which is reported separately). The test run itself is the project's own
cost and is not timed here.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.index import RepoIndex  # noqa: E402
from agent.integrations.precommit import select_tests, staged_changes  # noqa: E402

SDIST = ROOT / "bench" / ".corpora" / "sdists" / "Django-3.2.25.tar.gz"
WORK = ROOT / "bench" / ".work" / "precommit-django"
TARGET = "django/utils/text.py"
ENV = {"GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@b", "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@b",
       "PATH": "/usr/bin:/bin"}


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=WORK, env=ENV, check=True, capture_output=True, text=True).stdout


def prepare() -> None:
    if (WORK / ".git").exists():
        git("reset", "-q", "--hard")
        return
    WORK.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(SDIST) as tar:
        tar.extractall(WORK.parent, filter="data")
    (WORK.parent / "Django-3.2.25").rename(WORK)
    git("init", "-q")
    git("add", "-A")
    git("commit", "-q", "-m", "django")


def main() -> None:
    prepare()
    started = time.perf_counter()
    with RepoIndex.open(WORK) as index:
        stats = index.update(progress=False)
    print(f"index update (cold on first run): {time.perf_counter() - started:.1f} s, {stats.files} files")
    path = WORK / TARGET
    path.write_text(path.read_text().replace("def capfirst(x):\n", "def capfirst(x):\n    # staged change\n", 1))
    git("add", TARGET)
    for attempt in range(3):
        started = time.perf_counter()
        changes = staged_changes(WORK, [TARGET])
        with RepoIndex.open(WORK) as index:
            index.update(progress=False)
            selection = select_tests(index, changes, [TARGET])
        took = time.perf_counter() - started
        print(f"warm selection {attempt + 1}: {took:.2f} s; symbols {selection.symbols}; "
              f"{len(selection.tests)} test files")
    git("reset", "-q", "--hard")


if __name__ == "__main__":
    main()

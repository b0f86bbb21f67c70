"""A small real project in a git repo, indexed with the real index, shared by the planner tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

FILES = {
    "textkit/__init__.py": "",
    "textkit/slug.py": '''"""Turn titles into URL slugs."""
import re
import unicodedata


def slugify(title, separator="-"):
    """Lowercase ASCII slug of a title: accents folded, punctuation dropped."""
    value = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\\w\\s-]", "", value).strip().lower()
    return re.sub(r"[-\\s]+", separator, value)


def unique_slug(title, taken):
    """A slug not in `taken`, numbered when needed."""
    base = slugify(title)
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    return candidate
''',
    "textkit/stats.py": '''"""Word statistics of a document."""
from textkit.tokens import words


def word_count(text):
    """Number of words in text."""
    return len(words(text))


def average_word_length(text):
    """Mean length of the words in text."""
    found = words(text)
    total = sum(len(w) for w in found)
    return total / len(found) - 1


def longest_word(text):
    found = words(text)
    return max(found, key=len) if found else ""
''',
    "textkit/tokens.py": '''"""Split text into words."""
import re

WORD = re.compile(r"[A-Za-z']+")


def words(text):
    """The words of text, in order."""
    return WORD.findall(text)


def sentences(text):
    """Split text on sentence punctuation."""
    return [s.strip() for s in re.split(r"[.!?]+", text) if s.strip()]
''',
    "textkit/render.py": '''"""Render documents as HTML."""
from textkit.slug import slugify


class HtmlRenderer:
    """Renders headings with anchors."""

    def heading(self, title, level=1):
        anchor = slugify(title)
        return f'<h{level} id="{anchor}">{title}</h{level}>'

    def paragraph(self, text):
        return f"<p>{text}</p>"
''',
    "tests/test_stats.py": '''from textkit.stats import average_word_length, word_count


def test_word_count():
    assert word_count("a bb ccc") == 3


def test_average_word_length():
    assert average_word_length("ab abcd") == 3
''',
    "tests/test_slug.py": '''from textkit.slug import slugify


def test_slugify():
    assert slugify("Hello World") == "hello-world"
''',
}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def make_git_repo(repo: Path, files: dict[str, str]) -> Path:
    """`files` written under `repo` and committed in a new git repository."""
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "init")
    return repo


@pytest.fixture(scope="session")
def sample_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_git_repo(tmp_path_factory.mktemp("textkit"), FILES)


@pytest.fixture(scope="session")
def failing_output(sample_repo: Path) -> str:
    """The real pytest output of the sample's failing test (average_word_length is off by one)."""
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                          cwd=sample_repo, capture_output=True, text=True, env={"PYTHONPATH": str(sample_repo),
                                                                                 "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 1, proc.stdout
    return proc.stdout


@pytest.fixture()
def index(sample_repo: Path):
    from agent.index import RepoIndex

    idx = RepoIndex.open(sample_repo)
    idx.update(progress=False)
    yield idx
    idx.close()

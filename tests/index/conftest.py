from __future__ import annotations

from pathlib import Path

import pytest

from tests.index.helpers import make_repo


@pytest.fixture
def py_repo(tmp_path: Path) -> Path:
    """The multi-module Python fixture (package `shop` plus tests) as a committed git repo."""
    return make_repo(tmp_path / "shop", "python")


# fixture projects are data, not tests of dial
collect_ignore_glob = ["fixtures/*"]

"""The limits on machines where dial may not create cgroups (most non-root and CI machines).

The backends take `cgroups=False` to force that path here, where cgroups happen to be available.
There is deliberately no fork-bomb test on this path: as root without a pids cgroup, a bomb fills the
host's pid table within the timeout (tried once here: every process on the machine got EAGAIN).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sandbox import Limits
from sandbox.bwrap import BwrapSandbox
from sandbox.registry import _probe
from sandbox.unshare import UnshareSandbox

PY = sys.executable


@pytest.fixture(params=["bwrap", "unshare"])
def box(request: pytest.FixtureRequest):
    usable, reason = _probe(request.param)
    if not usable:
        pytest.skip(f"{request.param} not usable here: {reason}")
    cls = BwrapSandbox if request.param == "bwrap" else UnshareSandbox
    return cls(cgroups=False)


def test_memory_falls_back_to_an_address_space_limit(box, tmp_path: Path) -> None:
    hog = "x = bytearray(400 * 1024 * 1024); print('ALLOCATED')"
    result = box.run([PY, "-c", hog], cwd=tmp_path, limits=Limits(memory_mb=150, timeout_s=20))
    assert "MemoryError" in result.output and "ALLOCATED" not in result.output


def test_runtimes_that_reserve_address_space_get_no_limit_and_a_warning(box, tmp_path: Path) -> None:
    script = tmp_path / "node"  # a command named like the runtime is enough to skip RLIMIT_AS
    script.write_text(f"#!{PY}\nx = bytearray(300 * 1024 * 1024)\nprint('ALLOCATED')\n")
    script.chmod(0o755)
    result = box.run([str(script)], cwd=tmp_path, limits=Limits(memory_mb=150, timeout_s=20))
    assert "ALLOCATED" in result.output
    assert any("memory is not limited" in w for w in result.warnings)

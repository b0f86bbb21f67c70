"""Every usable backend against hostile commands: loops, fork bombs, setsid escapees, 1 GB of output."""

from __future__ import annotations

import os
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sandbox import Limits, get_sandbox
from sandbox.cgroup import Cgroup
from sandbox.registry import _probe

BACKENDS = ["bwrap", "unshare", "none"]
PY = sys.executable


def _cgroups_here() -> bool:
    group = Cgroup.create(8, None)
    if group is None:
        return False
    group.remove()
    return True


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    usable, reason = _probe(request.param)
    if not usable:
        pytest.skip(f"{request.param} not usable here: {reason}")
    return request.param


def test_endless_loop_is_killed_at_the_timeout(backend: str, tmp_path: Path) -> None:
    start = time.monotonic()
    result = get_sandbox(backend).run(["sh", "-c", "while :; do :; done"], cwd=tmp_path, limits=Limits(timeout_s=1))
    assert result.timed_out and result.killed and result.exit_code is None
    assert time.monotonic() - start < 5
    assert not result.ok


def test_setsid_child_ignoring_sigterm_does_not_survive(backend: str, tmp_path: Path) -> None:
    if backend == "none" and not _cgroups_here():
        pytest.skip("without a pid namespace or a cgroup a setsid child escapes (documented)")
    beacon = tmp_path / "beacon"
    child = textwrap.dedent(f"""
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            with open({str(beacon)!r}, "a") as fh:
                fh.write("x")
            time.sleep(0.05)
    """)
    parent = (f"import subprocess, sys, time; "
              f"subprocess.Popen([sys.executable, '-c', {child!r}], start_new_session=True); time.sleep(60)")
    result = get_sandbox(backend).run([PY, "-c", parent], cwd=tmp_path, limits=Limits(timeout_s=1.5))
    assert result.timed_out
    assert beacon.exists(), result.output  # the escapee did run
    size = beacon.stat().st_size
    time.sleep(0.4)
    assert beacon.stat().st_size == size  # ...and is dead now


def test_fork_bomb_is_stopped_and_process_count_bounded(backend: str, tmp_path: Path) -> None:
    if not _cgroups_here() and os.geteuid() == 0:
        # root ignores RLIMIT_NPROC: without a pids cgroup a bomb would fill the host's pid table (documented)
        pytest.skip("root without a pids cgroup has no process limit before the timeout")
    counter = textwrap.dedent("""
        import os, time
        n = 0
        while True:
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                time.sleep(30)
                os._exit(0)
            n += 1
            if n > 5000:
                break
        print("forked", n, flush=True)
    """)
    result = get_sandbox(backend).run([PY, "-c", counter], cwd=tmp_path, limits=Limits(timeout_s=10, max_procs=40))
    forked = int(result.output.split("forked")[1].split()[0])
    assert forked < 40
    # the classic shell bomb: stopped at the timeout, host intact
    bomb = "bomb() { bomb | bomb & }; bomb; sleep 30"
    start = time.monotonic()
    result = get_sandbox(backend).run(["sh", "-c", bomb], cwd=tmp_path, limits=Limits(timeout_s=2, max_procs=40))
    assert time.monotonic() - start < 10
    assert result.timed_out or result.exit_code is not None


def _peak_rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_one_gigabyte_of_output_is_capped_without_memory_growth(backend: str, tmp_path: Path) -> None:
    size = 1 << 30
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak RSS counter
    before = _peak_rss_kb()
    result = get_sandbox(backend).run(
        ["sh", "-c", f"echo START; head -c {size} /dev/zero; echo END"],
        cwd=tmp_path,
        limits=Limits(timeout_s=60, output_head_bytes=4096, output_tail_bytes=4096),
    )
    grown_mb = (_peak_rss_kb() - before) / 1024
    assert result.exit_code == 0, result.output[-500:]
    assert result.output_bytes == size + len("START\nEND\n")
    assert len(result.output) < 10_000
    assert f"the command wrote {size + 10} bytes" in result.output
    assert result.output.startswith("START\n\0") and result.output.endswith("\0END\n")
    assert grown_mb < 32, f"dial's peak RSS grew by {grown_mb:.0f} MB"


def test_file_size_limit_applies(backend: str, tmp_path: Path) -> None:
    result = get_sandbox(backend).run(
        ["sh", "-c", "head -c 3000000 /dev/zero > big; echo done"],
        cwd=tmp_path,
        limits=Limits(timeout_s=10, file_size_mb=1),
    )
    assert (tmp_path / "big").stat().st_size <= 1024 * 1024


def test_memory_limit_stops_a_hog(backend: str, tmp_path: Path) -> None:
    hog = "x = bytearray(400 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096]); print('ALLOCATED')"
    result = get_sandbox(backend).run([PY, "-c", hog], cwd=tmp_path, limits=Limits(memory_mb=100, timeout_s=20))
    assert "ALLOCATED" not in result.output
    assert result.exit_code != 0 and not result.timed_out
    if _cgroups_here():
        assert result.killed and any("memory limit" in w for w in result.warnings)
    else:
        assert "MemoryError" in result.output  # RLIMIT_AS


def test_cpu_time_limit_kills_a_spinner(backend: str, tmp_path: Path) -> None:
    result = get_sandbox(backend).run(["sh", "-c", "while :; do :; done"], cwd=tmp_path,
                                      limits=Limits(cpu_s=1, timeout_s=20))
    assert result.killed and not result.timed_out
    assert any("SIGXCPU" in w and "CPU-time" in w for w in result.warnings), result.warnings


def test_endless_output_flood_still_stops_at_the_timeout(tmp_path: Path) -> None:
    start = time.monotonic()
    result = get_sandbox().run(["cat", "/dev/zero"], cwd=tmp_path, limits=Limits(timeout_s=1))
    assert result.timed_out and time.monotonic() - start < 4
    assert result.output_bytes > 1_000_000 and len(result.output) < 200_000

"""A throwaway cgroup per command: the process limit that holds for root, memory, and a sure kill.

RLIMIT_NPROC is ignored for root (also inside a user namespace root made), so when dial may create
cgroups (root with cgroup v1 `pids`/`memory` hierarchies, or a writable cgroup v2 subtree) every
command runs in its own group: `pids.max` stops a fork bomb, the memory limit caps RAM without
breaking runtimes that reserve address space, and `procs()` finds every process to kill, even those
that called setsid.
"""

from __future__ import annotations

import os
import secrets
import signal
import time
from pathlib import Path

V1_ROOT = Path("/sys/fs/cgroup")


def _own_v2_dir() -> Path | None:
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                return V1_ROOT / line[3:].lstrip("/")
    except OSError:
        return None
    return None


class Cgroup:
    """One cgroup (per hierarchy touched) holding one command's process tree."""

    def __init__(self, dirs: dict[str, Path]) -> None:
        self.dirs = dirs  # controller -> directory ("pids", "memory"; v2 uses one dir for both)

    @classmethod
    def create(cls, max_procs: int | None, memory_mb: int | None) -> "Cgroup | None":
        """A new cgroup with the limits set, or None when this process may not make one."""
        name = f"dial-{os.getpid()}-{secrets.token_hex(4)}"
        dirs: dict[str, Path] = {}
        try:
            if (V1_ROOT / "pids" / "cgroup.procs").exists():
                sweep_stale([V1_ROOT / "pids", V1_ROOT / "memory"])
                pids = V1_ROOT / "pids" / name
                pids.mkdir()
                dirs["pids"] = pids
                if max_procs:
                    (pids / "pids.max").write_text(str(max_procs))
                mem_root = V1_ROOT / "memory"
                if memory_mb and (mem_root / "cgroup.procs").exists():
                    mem = mem_root / name
                    mem.mkdir()
                    dirs["memory"] = mem
                    (mem / "memory.limit_in_bytes").write_text(str(memory_mb * 1024 * 1024))
                return cls(dirs)
            base = _own_v2_dir()
            if base is None or not (base / "cgroup.subtree_control").exists():
                return None
            controllers = (base / "cgroup.subtree_control").read_text().split()
            if "pids" not in controllers:
                return None
            sweep_stale([base])
            group = base / name
            group.mkdir()
            dirs["v2"] = group
            if max_procs:
                (group / "pids.max").write_text(str(max_procs))
            if memory_mb and "memory" in controllers:
                (group / "memory.max").write_text(str(memory_mb * 1024 * 1024))
                if (group / "memory.swap.max").exists():
                    (group / "memory.swap.max").write_text("0")
            return cls(dirs)
        except OSError:
            cls(dirs).remove()
            return None

    @property
    def limits_memory(self) -> bool:
        return "memory" in self.dirs or ("v2" in self.dirs and (self.dirs["v2"] / "memory.max").exists())

    def enter(self) -> None:
        """Moves the calling process in; called in the child between fork and exec."""
        pid = str(os.getpid())
        for path in self.dirs.values():
            with open(path / "cgroup.procs", "w") as fh:
                fh.write(pid)

    def procs(self) -> set[int]:
        found: set[int] = set()
        for path in self.dirs.values():
            try:
                found.update(int(p) for p in (path / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                pass
        return found

    def oom_killed(self) -> bool:
        mem = self.dirs.get("memory")
        try:
            if mem is not None:
                return int((mem / "memory.failcnt").read_text()) > 0 and _oom_kills(mem / "memory.oom_control") > 0
            if "v2" in self.dirs:
                return _oom_kills(self.dirs["v2"] / "memory.events") > 0
        except (OSError, ValueError):
            return False
        return False

    def kill_all(self, attempts: int = 50) -> None:
        """SIGKILL every process in the group until it is empty (new forks are caught next round)."""
        for _ in range(attempts):
            pids = self.procs()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)

    def remove(self) -> None:
        self.kill_all()
        for path in self.dirs.values():
            for _ in range(100):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(parents: list[Path]) -> None:
    """Removes cgroups left by a dial process that died mid-command (and kills what still runs in them)."""
    for parent in parents:
        try:
            entries = [p for p in parent.iterdir() if p.is_dir() and p.name.startswith("dial-")]
        except OSError:
            continue
        for entry in entries:
            try:
                owner = int(entry.name.split("-")[1])
            except (IndexError, ValueError):
                continue
            if owner != os.getpid() and not _pid_alive(owner):
                Cgroup({"stale": entry}).remove()


def _oom_kills(counters: Path) -> int:
    """The `oom_kill` count of a cgroup's "key value" file (v1 memory.oom_control, v2 memory.events)."""
    for line in counters.read_text().splitlines():
        key, _, value = line.partition(" ")
        if key == "oom_kill":
            return int(value)
    return 0


def describe_limits() -> dict[str, str]:
    """How the process and memory limits are enforced on this machine (for `dial doctor`)."""
    group = Cgroup.create(max_procs=64, memory_mb=64)
    if group is None:
        root = os.geteuid() == 0
        return {
            "process_limit": "NONE before the timeout: root ignores RLIMIT_NPROC and dial may create no pids cgroup"
            if root else "RLIMIT_NPROC (no pids cgroup dial may create)",
            "memory_limit": "RLIMIT_AS, skipped for Go/JVM/Node commands (no memory cgroup)",
        }
    try:
        return {
            "process_limit": "pids cgroup per command",
            "memory_limit": "memory cgroup per command" if group.limits_memory
            else "RLIMIT_AS, skipped for Go/JVM/Node commands (no memory cgroup)",
        }
    finally:
        group.remove()

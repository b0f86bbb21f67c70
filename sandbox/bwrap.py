"""bubblewrap: read-only root, writable worktree, private /tmp, masked $HOME, no network, own pid ns.

Killing the pid namespace's init kills every process in it, setsid escapees included; bwrap tells
us that init's pid on `--info-fd`, and `--die-with-parent` takes it down if bwrap itself dies.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Mapping, Sequence

from sandbox.base import CommandResult, Limits
from sandbox.env import build_env
from sandbox.mounts import PRIVATE_HOME, compute_layout, ordered_binds
from sandbox.process import Plan, resource_plan, supervise


def probe() -> tuple[bool, str]:
    exe = shutil.which("bwrap")
    if exe is None:
        return False, "bwrap not installed (apt-get install bubblewrap)"
    argv = [exe, "--ro-bind", "/", "/", "--unshare-user", "--unshare-pid", "--unshare-net", "--cap-drop", "ALL",
            "--dev", "/dev", "--proc", "/proc", "true"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"bwrap does not start: {exc}"
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
        return False, f"bwrap cannot create namespaces here: {reason}"
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    return True, f"{exe} ({version or 'bubblewrap'})"


class _InitKiller:
    """Reads the namespace init's pid from bwrap's info pipe and SIGKILLs it."""

    def __init__(self, read_fd: int) -> None:
        self.read_fd = read_fd
        self.pid: int | None = None

    def read_pid(self) -> None:
        if self.pid is not None or self.read_fd < 0:
            return
        try:
            os.set_blocking(self.read_fd, False)
            data = os.read(self.read_fd, 4096)
            self.pid = int(json.loads(data.decode())["child-pid"])
        except (OSError, ValueError, KeyError):
            pass

    def __call__(self, wrapper_pid: int) -> None:
        self.read_pid()
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        if self.read_fd >= 0:
            os.close(self.read_fd)
            self.read_fd = -1


class BwrapSandbox:
    name = "bwrap"

    def __init__(self, writable: Sequence[Path] = (), env_allow: Sequence[str] = (), *,
                 cgroups: bool = True) -> None:
        self.writable = [Path(p) for p in writable]
        self.env_allow = list(env_allow)
        self.cgroups = cgroups  # False forces the rlimit/pid-namespace fallbacks (machines without cgroups)

    def build_argv(self, argv: Sequence[str], cwd: Path, network: bool, path_env: str, info_fd: int,
                   python_path: str = "") -> list[str]:
        layout = compute_layout(cwd, self.writable, argv, path_env, python_path)
        args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--unshare-user", "--cap-drop", "ALL", "--info-fd", str(info_fd)]
        if not network:
            args.append("--unshare-net")
        args += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        for masked in layout.masked:
            args += ["--tmpfs", str(masked)]
        for path, writable in ordered_binds(layout):
            args += ["--bind" if writable else "--ro-bind", str(path), str(path)]
        if layout.home is not None and layout.home in layout.masked:
            args += ["--remount-ro", str(layout.home)]
        args += ["--dir", PRIVATE_HOME, "--chdir", str(cwd), "--"]
        return args + list(argv)

    def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        limits: Limits | None = None,
        network: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> CommandResult:
        limits = limits or Limits()
        cwd = Path(cwd).resolve()
        child_env, warnings = build_env(PRIVATE_HOME, self.env_allow, env)
        read_fd, write_fd = os.pipe()
        killer = _InitKiller(read_fd)
        try:
            full = self.build_argv(argv, cwd, network, child_env["PATH"], write_fd, child_env.get("PYTHONPATH", ""))
            full[0] = shutil.which("bwrap") or "bwrap"
            cgroup, rlimits, more = resource_plan(limits, argv, self.name, self.cgroups)
            plan = Plan(full, child_env, cwd, warnings + more, pass_fds=(write_fd,), on_kill=killer,
                        namespace=True)
            return supervise(plan, limits, self.name, cgroup, rlimits)
        finally:
            os.close(write_fd)
            killer.close()

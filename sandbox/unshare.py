"""Linux namespaces through util-linux `unshare` when bwrap is missing.

`unshare --user --map-root-user --mount --pid --fork --kill-child [--net]` gives the namespaces;
`_nsinit.py`, run as the namespace's pid 1, builds bwrap's filesystem view and drops every
capability (setpriv) before the command runs, so the command cannot remount anything. Killing
`unshare` kills pid 1 (--kill-child), and with it the whole namespace.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Mapping, Sequence

from sandbox.base import CommandResult, Limits
from sandbox.env import build_env
from sandbox.mounts import PRIVATE_HOME, compute_layout, ordered_binds
from sandbox.process import Plan, resource_plan, supervise

NSINIT = Path(__file__).with_name("_nsinit.py")
NS_FLAGS = ["--user", "--map-root-user", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc",
            "--ipc", "--uts"]


def probe() -> tuple[bool, str]:
    exe, setpriv = shutil.which("unshare"), shutil.which("setpriv")
    if exe is None or setpriv is None:
        return False, "unshare or setpriv (util-linux) not installed"
    try:
        done = subprocess.run([exe, *NS_FLAGS, "--net", "true"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"unshare does not start: {exc}"
    if done.returncode != 0:
        return False, f"unshare cannot create namespaces here: {done.stderr.strip() or done.returncode}"
    return True, exe


def kill_namespace_init(unshare_pid: int) -> None:
    """SIGKILLs unshare's child, the namespace's pid 1: the kernel then kills everything in the namespace."""
    try:
        children = Path(f"/proc/{unshare_pid}/task/{unshare_pid}/children").read_text().split()
    except OSError:
        children = []
    for pid in children:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass


class UnshareSandbox:
    name = "unshare"

    def __init__(self, writable: Sequence[Path] = (), env_allow: Sequence[str] = (), *,
                 cgroups: bool = True) -> None:
        self.writable = [Path(p) for p in writable]
        self.env_allow = list(env_allow)
        self.cgroups = cgroups  # False forces the rlimit/pid-namespace fallbacks (machines without cgroups)

    def build_argv(self, argv: Sequence[str], cwd: Path, network: bool, path_env: str,
                   python_path: str = "") -> list[str]:
        layout = compute_layout(cwd, self.writable, argv, path_env, python_path)
        spec = {
            "binds": [[str(p), rw] for p, rw in ordered_binds(layout)],
            "masked": [str(p) for p in layout.masked],
            "home": str(layout.home) if layout.home is not None and layout.home in layout.masked else None,
            "private_home": PRIVATE_HOME,
            "cwd": str(cwd),
            "setpriv": shutil.which("setpriv") or "setpriv",
        }
        flags = NS_FLAGS + ([] if network else ["--net"])
        return [shutil.which("unshare") or "unshare", *flags, "--", sys.executable, "-I", "-S", str(NSINIT),
                json.dumps(spec), *argv]

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
        full = self.build_argv(argv, cwd, network, child_env["PATH"], child_env.get("PYTHONPATH", ""))
        cgroup, rlimits, more = resource_plan(limits, argv, self.name, self.cgroups)
        plan = Plan(full, child_env, cwd, warnings + more, on_kill=kill_namespace_init, namespace=True)
        return supervise(plan, limits, self.name, cgroup, rlimits)

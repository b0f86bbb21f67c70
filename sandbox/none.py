"""No isolation: only when asked for. Limits, the timeout and the clean environment still apply.

Without a pid namespace a child that calls setsid escapes the process-group kill; the per-command
cgroup (when dial may make one) still finds and kills it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Mapping, Sequence

from sandbox.base import CommandResult, Limits
from sandbox.env import build_env
from sandbox.process import Plan, resource_plan, supervise

WARNING = ("sandbox 'none': no isolation; the command can read and write whatever dial can"
           " and reach the network")


class NoSandbox:
    name = "none"

    def __init__(self, writable: Sequence[Path] = (), env_allow: Sequence[str] = (),
                 reason: str | None = None, cgroups: bool = True) -> None:
        self.writable = [Path(p) for p in writable]
        self.env_allow = list(env_allow)
        self.cgroups = cgroups  # False forces the rlimit/pid-namespace fallbacks (machines without cgroups)
        self.reason = reason  # why dial fell back to no isolation (macOS), reported with every result

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
        with tempfile.TemporaryDirectory(prefix="dial-home-") as home:
            child_env, warnings = build_env(home, self.env_allow, env)
            cgroup, rlimits, more = resource_plan(limits, argv, self.name, self.cgroups)
            warnings = [WARNING] + ([self.reason] if self.reason else []) + warnings + more
            if cgroup is None:
                warnings.append("no cgroup: a child that calls setsid may outlive the timeout")
            plan = Plan(list(argv), child_env, Path(cwd).resolve(), warnings)
            return supervise(plan, limits, self.name, cgroup, rlimits)

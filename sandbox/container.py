"""docker / podman, when an engine answers (GitHub's hosted runners have one).

The worktree is mounted at the same path, the container runs as the caller's uid with no network,
its own pid namespace, `--pids-limit`, `--memory` and the rlimits as `--ulimit`. The image (env
`DIAL_SANDBOX_IMAGE`, default below) must hold the toolchain the tests need. On timeout the
container is killed by name, which takes its whole process tree.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Mapping, Sequence

from sandbox.base import CommandResult, Limits
from sandbox.env import build_env
from sandbox.process import Plan, supervise

DEFAULT_IMAGE = "python:3.11-slim"


def probe(engine: str) -> tuple[bool, str]:
    exe = shutil.which(engine)
    if exe is None:
        return False, f"{engine} not installed"
    try:
        done = subprocess.run([exe, "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True,
                              timeout=5)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"{engine} engine does not answer: {exc}"
    if done.returncode != 0:
        return False, f"{engine} client found but no engine answers"
    return True, f"{exe} (engine {done.stdout.strip()})"


class ContainerSandbox:
    def __init__(self, engine: str, writable: Sequence[Path] = (), env_allow: Sequence[str] = ()) -> None:
        self.name = engine
        self.writable = [Path(p) for p in writable]
        self.env_allow = list(env_allow)
        self.image = os.environ.get("DIAL_SANDBOX_IMAGE", DEFAULT_IMAGE)

    def build_argv(self, argv: Sequence[str], cwd: Path, limits: Limits, network: bool,
                   env: Mapping[str, str], cname: str) -> list[str]:
        args = [shutil.which(self.name) or self.name, "run", "--rm", "--name", cname, "--init",
                "--read-only", "--tmpfs", "/tmp", "--user", f"{os.getuid()}:{os.getgid()}",
                "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
                "--network", "bridge" if network else "none", "-w", str(cwd)]
        for path in [cwd, *self.writable]:
            args += ["-v", f"{Path(path).resolve()}:{Path(path).resolve()}:rw"]
        if limits.max_procs:
            args += ["--pids-limit", str(limits.max_procs)]
        if limits.memory_mb:
            args += ["--memory", f"{limits.memory_mb}m", "--memory-swap", f"{limits.memory_mb}m"]
        if limits.cpu_s:
            args += ["--ulimit", f"cpu={limits.cpu_s}:{limits.cpu_s}"]
        if limits.file_size_mb:
            size = limits.file_size_mb * 1024 * 1024
            args += ["--ulimit", f"fsize={size}:{size}"]
        for key, value in env.items():
            if key != "PATH":  # the image's PATH, not the host's
                args += ["-e", f"{key}={value}"]
        return args + [self.image, *argv]

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
        child_env, warnings = build_env("/tmp", self.env_allow, env)
        cname = f"dial-{secrets.token_hex(6)}"
        full = self.build_argv(argv, cwd, limits, network, child_env, cname)
        engine = full[0]

        def kill(wrapper_pid: int) -> None:
            try:
                subprocess.run([engine, "kill", cname], capture_output=True, timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                pass

        host_env = {k: v for k, v in os.environ.items() if k in ("PATH", "DOCKER_HOST", "XDG_RUNTIME_DIR", "HOME")}
        plan = Plan(full, host_env, cwd, warnings, on_kill=kill, namespace=True)
        return supervise(plan, limits, self.name, None, [])

"""Starting and supervising one sandboxed process tree: limits, wall clock, kill, bounded output.

Every backend ends here, so the guarantees (timeout kills the whole tree, rlimits, output capped
while it is read) are written once. A backend only supplies the wrapped argv, the environment and
how to kill whatever its isolation puts around the command.
"""

from __future__ import annotations

import fcntl
import os
import resource
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from sandbox.base import CommandResult, Limits
from sandbox.cgroup import Cgroup
from sandbox.output import OutputCapture

# Runtimes that reserve far more address space than they use: RLIMIT_AS would break them.
AS_HOSTILE = ("go", "java", "javac", "node", "npm", "npx", "yarn", "pnpm", "gradle", "gradlew", "mvn", "sbt",
              "deno", "bun", "dotnet", "kotlin", "scala")
GRACE_S = 1.0
NS_WAIT_S = 10.0
DRAIN_S = 0.5


def address_space_safe(argv: Sequence[str]) -> bool:
    """False when the command (or a shell line it runs) names a runtime RLIMIT_AS would break."""
    words: list[str] = []
    for arg in argv:
        words.extend(arg.replace(";", " ").replace("&", " ").replace("|", " ").split())
    names = {Path(w).name for w in words}
    return not any(name in AS_HOSTILE for name in names)


@dataclass
class Plan:
    """What a backend wants run: the full argv (wrapper included), its env and extra kill hooks."""

    argv: list[str]
    env: dict[str, str]
    cwd: Path
    warnings: list[str] = field(default_factory=list)
    pass_fds: tuple[int, ...] = ()
    # kills the isolation around the command (the pid namespace's init, the container), given the wrapper's pid
    on_kill: Callable[[int], None] | None = None
    # the command runs in its own pid namespace: killing that namespace is the kill (its init ignores SIGTERM,
    # and SIGTERM to the wrapper would orphan the namespace instead of waiting for it to empty)
    namespace: bool = False


def _rlimits(limits: Limits, set_as: bool, set_nproc: bool) -> list[tuple[int, int, int]]:
    """(resource, soft, hard) for the child."""
    out: list[tuple[int, int, int]] = []
    if limits.cpu_s:
        # soft below hard: SIGXCPU first names the cause; SIGKILL a second later if it is ignored
        out.append((resource.RLIMIT_CPU, int(limits.cpu_s), int(limits.cpu_s) + 1))
    if limits.file_size_mb:
        out.append((resource.RLIMIT_FSIZE, limits.file_size_mb * 1024 * 1024, limits.file_size_mb * 1024 * 1024))
    if set_as and limits.memory_mb:
        out.append((resource.RLIMIT_AS, limits.memory_mb * 1024 * 1024, limits.memory_mb * 1024 * 1024))
    if set_nproc and limits.max_procs:
        out.append((resource.RLIMIT_NPROC, limits.max_procs, limits.max_procs))
    out.append((resource.RLIMIT_CORE, 0, 0))
    return out


def resource_plan(
    limits: Limits, argv: Sequence[str], backend: str, cgroups: bool = True
) -> tuple[Cgroup | None, list, list[str]]:
    """The cgroup (if dial may make one and `cgroups`), the rlimits to set in the child, and warnings."""
    warnings: list[str] = []
    cgroup = Cgroup.create(limits.max_procs, limits.memory_mb) if cgroups else None
    root = os.geteuid() == 0
    set_nproc = False
    if limits.max_procs and cgroup is None:
        if root:
            warnings.append(
                "no pids cgroup and RLIMIT_NPROC does not bind root: a fork bomb is stopped only at the timeout"
                " and can fill the host's process table before then (give dial a pids cgroup, or run it as a"
                " non-root user)"
            )
        else:
            set_nproc = True
    set_as = False
    if limits.memory_mb and not (cgroup and cgroup.limits_memory):
        if address_space_safe(argv):
            set_as = True
        else:
            warnings.append("no memory cgroup and the command's runtime reserves address space: memory is not limited")
    return cgroup, _rlimits(limits, set_as, set_nproc), warnings


def _preexec(rlimits: list, cgroup: Cgroup | None) -> Callable[[], None]:
    def run() -> None:
        if cgroup is not None:
            cgroup.enter()
        for which, soft, hard in rlimits:
            try:
                resource.setrlimit(which, (soft, hard))
            except (ValueError, OSError):
                pass
    return run


SIGNAL_CAUSES = {
    signal.SIGXCPU: "the CPU-time limit was reached",
    signal.SIGXFSZ: "the file-size limit was reached",
}


def _signal_warning(signum: int) -> str:
    try:
        sig = signal.Signals(signum)
    except ValueError:
        return f"killed by signal {signum}"
    cause = SIGNAL_CAUSES.get(sig)
    return f"killed by signal {sig.name}" + (f" ({cause})" if cause else "")


def _terminate(proc: subprocess.Popen[bytes], plan: Plan) -> None:
    """The polite phase: SIGTERM to the process group (only without a pid namespace)."""
    if plan.namespace:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass


def _kill(proc: subprocess.Popen[bytes], plan: Plan, cgroup: Cgroup | None) -> None:
    """SIGKILL to everything: the namespace (waiting until it is empty), the group, the cgroup."""
    if proc.poll() is None and plan.on_kill is not None:
        plan.on_kill(proc.pid)
        if plan.namespace:
            try:  # the wrapper exits once the kernel has killed every process in the namespace
                proc.wait(timeout=NS_WAIT_S)
            except subprocess.TimeoutExpired:
                pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if cgroup is not None:
        cgroup.kill_all()


def supervise(plan: Plan, limits: Limits, backend: str, cgroup: Cgroup | None, rlimits: list) -> CommandResult:
    """Runs the plan to completion or the wall clock, whichever comes first."""
    capture = OutputCapture(limits.output_head_bytes, limits.output_tail_bytes)
    start = time.monotonic()
    deadline = start + limits.timeout_s
    timed_out = False
    we_killed = False
    try:
        try:
            proc = subprocess.Popen(
                plan.argv,
                cwd=str(plan.cwd),
                env=plan.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=plan.pass_fds,
                preexec_fn=_preexec(rlimits, cgroup),
            )
        except OSError as exc:
            return CommandResult(backend, 127, False, False, f"cannot start {plan.argv[0]}: {exc}", 0,
                                 time.monotonic() - start, plan.warnings)
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        os.set_blocking(fd, False)
        if sys.platform.startswith("linux"):
            try:  # a bigger pipe means ~16x fewer wake-ups when a command floods its output
                fcntl.fcntl(fd, 1031, 1 << 20)  # F_SETPIPE_SZ
            except OSError:
                pass
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        exited_at: float | None = None
        term_sent_at: float | None = None
        eof = False
        while not eof:
            now = time.monotonic()
            if proc.poll() is not None and exited_at is None:
                exited_at = now
            if exited_at is not None and now - exited_at > DRAIN_S:
                break  # the main process is gone; a leftover child holding the pipe is killed below
            if now >= deadline and not timed_out:
                timed_out = True
                term_sent_at = now
                if plan.namespace:
                    we_killed = True
                    _kill(proc, plan, cgroup)
                else:
                    _terminate(proc, plan)
            if term_sent_at is not None and now - term_sent_at > GRACE_S and not we_killed:
                we_killed = True
                _kill(proc, plan, cgroup)
            if we_killed and now - (term_sent_at or now) > GRACE_S + 5:
                break  # the pipe is held by something we cannot reach; stop reading
            wait_ms = 100
            if not timed_out:
                wait_ms = max(1, min(wait_ms, int((deadline - now) * 1000) + 1))
            for _fd, _ev in poller.poll(wait_ms):
                for _ in range(64):  # bounded, so a flood cannot keep us from checking the clock
                    try:
                        chunk = os.read(fd, 1 << 20)
                    except BlockingIOError:
                        break
                    if not chunk:
                        eof = True
                        break
                    capture.feed(chunk)
        if proc.poll() is None and not timed_out:
            # pipe closed but the process lives on (it closed stdout): let it run out its clock
            remaining = max(0.0, deadline - time.monotonic())
            try:
                proc.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                timed_out = True
                _terminate(proc, plan)
                time.sleep(0 if plan.namespace else min(GRACE_S, 0.2))
        # whatever is left of the tree goes now (setsid escapees included)
        _kill(proc, plan, cgroup)
        try:
            code = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        proc.stdout.close()
    finally:
        if cgroup is not None:
            oom = cgroup.oom_killed()
            cgroup.remove()
        else:
            oom = False
    warnings = list(plan.warnings)
    killed = timed_out or we_killed
    exit_code: int | None = code
    if code is not None and code < 0 and not timed_out:
        killed = True
        warnings.append(_signal_warning(-code))
    elif code is not None and backend in ("bwrap", "unshare") and 128 < code < 160 and not timed_out:
        # the namespace's init reports a signal death as 128 + signal number
        killed = True
        warnings.append(_signal_warning(code - 128))
    if oom:
        killed = True
        warnings.append(f"killed: the memory limit ({limits.memory_mb} MB) was reached")
    if timed_out:
        exit_code = None
        warnings.append(f"timed out after {limits.timeout_s:g} s; the whole process tree was killed")
    return CommandResult(
        backend=backend,
        exit_code=exit_code,
        timed_out=timed_out,
        killed=killed,
        output=capture.text(),
        output_bytes=capture.total,
        duration_s=time.monotonic() - start,
        warnings=warnings,
    )

"""macOS: the command runs under `sandbox-exec -p PROFILE` (Seatbelt), the way Codex CLI and Claude Code do.

macOS has no namespaces, so the view of the filesystem cannot be rebuilt as bwrap does; instead a
generated SBPL profile lets the command read broadly but write only to the worktree, the configured
writable paths, a private temp dir (also its HOME) and a few devices; denies the network (loopback only
when asked for); and denies reading the user's credential files. The profile starts from
`(allow default)` and only adds denies: a `(deny default)` base needs a list of mach services, sysctls
and iokit classes that changes between macOS releases and breaks test suites in ways one cannot see
from here. The write rule is one `deny ... (require-not ...)`, so it holds whatever order Seatbelt
gives overlapping rules. `probe()` runs a real profile once, so a macOS that rejects it (or a dial
already inside a sandbox, where sandbox_apply fails) reports the backend unusable instead of failing
every command. The limits are the shared ones (`sandbox.process`); there is no cgroup on macOS.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Mapping, Sequence

from sandbox.base import CommandResult, Limits
from sandbox.env import build_env
from sandbox.errors import SandboxError
from sandbox.mounts import real_home
from sandbox.process import Plan, resource_plan, supervise

SANDBOX_EXEC = "/usr/bin/sandbox-exec"
# macOS keeps these under /private; the kernel checks the real path, so a rule on /tmp would never match.
PRIVATE_LINKS = ("/tmp", "/var", "/etc")
# Under $HOME, never readable (nor writable) from the sandbox: keys, tokens and password stores.
SECRET_DIRS = (".ssh", ".aws", ".gnupg", ".config/gh", ".config/gcloud", ".azure", ".kube", ".docker",
               ".password-store", ".config/dial", "Library/Keychains", ".config/op")
SECRET_FILES = (".netrc", ".git-credentials", ".config/git/credentials", ".npmrc", ".pypirc", ".pgpass",
                ".yarnrc", ".gem/credentials", ".cargo/credentials", ".cargo/credentials.toml")
DEVICES = ("/dev/null", "/dev/zero", "/dev/tty", "/dev/stdout", "/dev/stderr", "/dev/dtracehelper",
           "/dev/ptmx", "/dev/random", "/dev/urandom")
WARNINGS = (
    "seatbelt: no cgroup on macOS; a child that calls setsid may outlive the timeout",
    "seatbelt: the process limit is RLIMIT_NPROC (counted on top of the user's running processes; it does"
    " not bind root), and macOS does not enforce memory limits (RLIMIT_AS)",
)


def canonical(path: str | os.PathLike[str]) -> str:
    """The path Seatbelt sees: symlinks resolved, and /tmp, /var, /etc under /private as macOS keeps them."""
    real = os.path.realpath(os.path.abspath(os.fspath(path)))
    for link in PRIVATE_LINKS:
        if real == link or real.startswith(link + "/"):
            return "/private" + real
    return real


def sbpl_string(text: str) -> str:
    """`text` as an SBPL (TinyScheme) string literal: backslash and double quote escaped."""
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        raise SandboxError(f"path {text!r} holds a control character and cannot go in a sandbox profile",
                           "rename the directory (or pass --sandbox none to run without isolation)")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _secret_paths(home: Path | None) -> list[tuple[str, str]]:
    """(filter, path) for the credential locations under the real $HOME."""
    if home is None:
        return []
    base = canonical(home)
    return ([("subpath", f"{base}/{d}") for d in SECRET_DIRS]
            + [("literal", f"{base}/{f}") for f in SECRET_FILES])


def build_profile(writable: Sequence[str | os.PathLike[str]], private_tmp: str | os.PathLike[str], *,
                  network: bool = False, allow_local_network: bool = False,
                  home: Path | None = None) -> str:
    """The SBPL profile: writes only to `writable` + `private_tmp` + devices, secrets unreadable, no network."""
    roots = sorted({canonical(p) for p in [*writable, private_tmp]})
    write_ok = [f"(subpath {sbpl_string(r)})" for r in roots]
    write_ok += [f"(literal {sbpl_string(d)})" for d in DEVICES]
    write_ok += ['(subpath "/dev/fd")', '(regex #"^/dev/ttys[0-9]+$")']
    lines = [
        "(version 1)",
        "(allow default)",
        ";; writes: only the worktree, the configured writable paths, the private temp dir and devices",
        "(deny file-write* (require-not (require-any",
        *(f"  {rule}" for rule in write_ok),
        ")))",
    ]
    secrets = _secret_paths(home)
    if secrets:
        lines.append(";; credentials under $HOME: neither readable nor writable")
        lines.append("(deny file-read* file-write*")
        lines += [f"  ({kind} {sbpl_string(path)})" for kind, path in secrets]
        lines.append(")")
    lines += [
        ";; no way out through other processes: launching apps, Apple events, signalling the user's processes",
        "(deny appleevent-send)",
        '(deny mach-lookup (global-name "com.apple.coreservices.launchservicesd")'
        ' (global-name "com.apple.coreservices.appleevents"))',
        "(deny signal (require-not (target same-sandbox)))",
        "(deny sysctl-write)",
    ]
    if not network:
        if allow_local_network:
            lines += [";; network: loopback only",
                      '(deny network-outbound (require-not (remote ip "localhost:*")))',
                      '(deny network-bind (require-not (local ip "localhost:*")))',
                      '(deny network-inbound (require-not (local ip "localhost:*")))']
        else:
            lines += [";; network: none (unix sockets included, so no docker.sock either)", "(deny network*)"]
    return "\n".join(lines) + "\n"


def build_argv(profile: str, argv: Sequence[str], exe: str = SANDBOX_EXEC) -> list[str]:
    """`sandbox-exec -p PROFILE -- CMD...`: the profile inline (a file given with -f mis-handles path filters)."""
    return [exe, "-p", profile, "--", *argv]


def probe(platform: str = sys.platform, exe: str = SANDBOX_EXEC) -> tuple[bool, str]:
    """Usable only on macOS with sandbox-exec present and accepting dial's profile (tried once, for real)."""
    if platform != "darwin":
        return False, "macOS only (sandbox-exec)"
    if not os.access(exe, os.X_OK):
        return False, f"{exe} not found"
    with tempfile.TemporaryDirectory(prefix="dial-seatbelt-probe-") as tmp:
        argv = build_argv(build_profile([tmp], tmp, home=real_home()), ["/usr/bin/true"], exe)
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"sandbox-exec does not start: {exc}"
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
        return False, f"sandbox-exec refused dial's profile: {reason}"
    return True, f"{exe} (Seatbelt profile: writes to the worktree only, no network)"


def count_user_processes() -> int | None:
    """How many processes this user runs now: RLIMIT_NPROC counts them all, not just the command's."""
    ps = shutil.which("ps") or "/bin/ps"
    try:
        done = subprocess.run([ps, "-U", str(os.getuid()), "-o", "pid="], capture_output=True, text=True,
                              timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return len(done.stdout.split()) if done.returncode == 0 else None


def relative_nproc(rlimits: list, max_procs: int | None, running: int | None) -> list:
    """RLIMIT_NPROC raised by the user's running processes: a desktop session already runs hundreds, and a
    bare limit of 512 would make every fork fail. Without a count the limit is dropped (the timeout remains)."""
    out = []
    for which, soft, hard in rlimits:
        if which == resource.RLIMIT_NPROC:
            if running is None or not max_procs:
                continue
            soft = hard = running + max_procs
            cur_hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
            if cur_hard != resource.RLIM_INFINITY:
                soft = hard = min(soft, cur_hard)
        out.append((which, soft, hard))
    return out


class SeatbeltSandbox:
    name = "seatbelt"

    def __init__(self, writable: Sequence[Path] = (), env_allow: Sequence[str] = (), *,
                 allow_local_network: bool = False, exe: str = SANDBOX_EXEC,
                 process_counter: Callable[[], int | None] = count_user_processes) -> None:
        self.writable = [Path(p) for p in writable]
        self.env_allow = list(env_allow)
        self.allow_local_network = allow_local_network  # loopback for tests that start a local server
        self.exe = exe
        self.process_counter = process_counter

    def plan(self, argv: Sequence[str], cwd: Path, private_tmp: str, network: bool,
             env: Mapping[str, str] | None = None) -> tuple[list[str], dict[str, str], list[str]]:
        """The wrapped argv, the child's environment (HOME and TMPDIR private) and the warnings."""
        home = os.path.join(private_tmp, "home")
        os.makedirs(home, exist_ok=True)
        child_env, warnings = build_env(home, self.env_allow, env)
        if not (env and "TMPDIR" in env):  # not the user's TMPDIR (even if allowed): it is not writable here
            child_env["TMPDIR"] = private_tmp
        profile = build_profile([cwd, *self.writable], private_tmp, network=network,
                                allow_local_network=self.allow_local_network, home=real_home())
        return build_argv(profile, argv, self.exe), child_env, warnings + list(WARNINGS)

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
        with tempfile.TemporaryDirectory(prefix="dial-seatbelt-") as tmp:
            full, child_env, warnings = self.plan(argv, cwd, canonical(tmp), network, env)
            _cgroup, rlimits, more = resource_plan(limits, argv, self.name, cgroups=False)
            rlimits = relative_nproc(rlimits, limits.max_procs, self.process_counter())
            plan = Plan(full, child_env, cwd, warnings + more)
            return supervise(plan, limits, self.name, None, rlimits)

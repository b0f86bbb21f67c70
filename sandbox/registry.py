"""Backend discovery and choice: best available first, always reported, `none` only on request.

Unusable choices raise `SandboxError` (problem + fix), which the CLI prints like any user error.
On macOS the order is seatbelt (`sandbox-exec`) > docker/podman; elsewhere bwrap > unshare > docker/podman.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Sequence

from sandbox.errors import SandboxError
from sandbox import bwrap, container, seatbelt, unshare
from sandbox.base import Sandbox
from sandbox.none import NoSandbox

ORDER = ("bwrap", "unshare", "docker", "podman")
DARWIN_ORDER = ("seatbelt", "docker", "podman")
NAMES = ORDER + ("none", "seatbelt")  # every name --sandbox accepts
MACOS_FALLBACK = ("macOS: sandbox-exec is not usable and no container engine answered: running without "
                  "isolation, with the timeout, process-group kill, output cap, rlimits and clean environment only")


def order(platform: str = sys.platform) -> tuple[str, ...]:
    """The backends worth trying on `platform`, best first."""
    return DARWIN_ORDER if platform == "darwin" else ORDER


def listed(platform: str = sys.platform) -> tuple[str, ...]:
    """What `dial doctor` lists: the platform's backends, then none (seatbelt is macOS-only, so Linux omits it)."""
    return order(platform) + ("none",)


def _probe(name: str) -> tuple[bool, str]:
    if name == "bwrap":
        return bwrap.probe()
    if name == "unshare":
        return unshare.probe()
    if name in ("docker", "podman"):
        return container.probe(name)
    if name == "seatbelt":
        return seatbelt.probe()
    if name == "none":
        return True, "no isolation (only when asked for)"
    return False, "unknown backend"


def available_backends(probe: Callable[[str], tuple[bool, str]] = _probe,
                       platform: str = sys.platform) -> list[tuple[str, bool, str]]:
    """(name, usable, reason) for every backend of this platform, best first; `dial doctor` prints it."""
    return [(name, *probe(name)) for name in listed(platform)]


def _build(name: str, writable: Sequence[Path], env_allow: Sequence[str]) -> Sandbox:
    if name == "bwrap":
        return bwrap.BwrapSandbox(writable, env_allow)
    if name == "unshare":
        return unshare.UnshareSandbox(writable, env_allow)
    if name in ("docker", "podman"):
        return container.ContainerSandbox(name, writable, env_allow)
    if name == "seatbelt":
        return seatbelt.SeatbeltSandbox(writable, env_allow)
    return NoSandbox(writable, env_allow)


def get_sandbox(
    name: str | None = None,
    *,
    writable: Sequence[Path] = (),
    env_allow: Sequence[str] = (),
    probe: Callable[[str], tuple[bool, str]] = _probe,
    platform: str = sys.platform,
) -> Sandbox:
    """The named backend, or the best usable one; SandboxError naming what is available otherwise.

    On macOS (no namespaces) seatbelt comes first; with neither it nor a container engine, dial falls
    back to `none` by itself, keeping every limit that still applies and saying so in each result's warnings.
    """
    if name is not None:
        name = name.strip().lower()
        if name not in NAMES:
            raise SandboxError(
                f"unknown sandbox backend '{name}'",
                f"use one of: {', '.join(NAMES)} (or omit --sandbox to pick the best available)",
            )
        usable, reason = probe(name)
        if not usable:
            usable_names = [n for n in listed(platform) if n == "none" or probe(n)[0]]
            raise SandboxError(
                f"sandbox backend '{name}' is not usable here: {reason}",
                f"use one of: {', '.join(usable_names)} (run `dial doctor` for details)",
            )
        return _build(name, writable, env_allow)
    reasons = []
    for candidate in order(platform):
        usable, reason = probe(candidate)
        if usable:
            return _build(candidate, writable, env_allow)
        reasons.append(f"{candidate}: {reason}")
    if platform == "darwin":
        return NoSandbox(writable, env_allow, reason=MACOS_FALLBACK)
    raise SandboxError(
        "no sandbox backend is usable here (" + "; ".join(reasons) + ")",
        "install bubblewrap (apt-get install bubblewrap), or pass --sandbox none to run without isolation",
    )

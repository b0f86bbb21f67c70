"""Init of the `unshare` sandbox: runs as pid 1 inside fresh user/mount/pid namespaces.

Standalone on purpose (run as a script with `python -I`, importing nothing of dial): it builds the
same filesystem view bwrap would (read-only root, private /tmp, read-only empty $HOME, re-bound
paths, writable worktree), brings loopback up, then forks the command with every capability dropped
(through `setpriv`) so it cannot undo the mounts, reaps orphans, and exits with the command's status.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import os
import signal
import socket
import struct
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
LIBC = ctypes.CDLL(None, use_errno=True)


def mount(src: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = lambda v: v.encode() if v is not None else None  # noqa: E731
    if LIBC.mount(enc(src), enc(target), enc(fstype), flags, enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {src} -> {target}: {os.strerror(err)}")


def loopback_up() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        req = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, 0x8913, req)[:18])[1]  # SIOCGIFFLAGS
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH", b"lo", flags | 1))  # SIOCSIFFLAGS, IFF_UP
    finally:
        sock.close()


def setup(spec: dict) -> None:
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    binds = spec["binds"]  # [path, writable], parents first
    # hold every bind source open before /tmp and $HOME are covered, then bind through /proc/self/fd
    fds = [os.open(path, os.O_PATH) for path, _ in binds]
    for masked in spec["masked"]:
        mount("tmpfs", masked, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" if masked == "/tmp" else "mode=755")
    mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
    for (path, _), fd in zip(binds, fds):
        os.makedirs(path, exist_ok=True)
        mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
    os.makedirs(spec["private_home"], exist_ok=True)
    # now read-only: the root and every mount under it except the writable binds and private tmpfs
    writable = {path for path, rw in binds if rw} | {"/tmp", "/dev/shm"}
    with open("/proc/self/mountinfo") as fh:
        points = [line.split()[4] for line in fh]
    for point in points:
        point = point.replace("\\040", " ")
        if point in writable or point in ("/proc", "/sys") or point.startswith(("/proc/", "/sys/")):
            continue
        try:
            # flags locked by the parent namespace (nosuid, nodev, noexec, atime) must be kept
            kept = os.statvfs(point).f_flag & (2 | 4 | 8 | 1024 | 2048 | 4096)
            mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept)
        except OSError:
            pass
    for fd in fds:
        os.close(fd)
    if spec["home"]:
        mount(None, spec["home"], None, MS_REMOUNT | MS_BIND | MS_RDONLY)
    try:
        loopback_up()
    except OSError:
        pass


def main() -> int:
    spec = json.loads(sys.argv[1])
    argv = sys.argv[2:]
    try:
        setup(spec)
    except OSError as exc:
        print(f"dial sandbox (unshare): {exc}", file=sys.stderr)
        return 125
    drop = [spec["setpriv"], "--no-new-privs", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all", "--"]
    child = os.fork()
    if child == 0:
        try:
            os.setsid()
            for sig in (signal.SIGPIPE, signal.SIGXFSZ, signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)  # Python ignores SIGPIPE; exec would inherit that
            os.chdir(spec["cwd"])
            os.execvp(drop[0], drop + argv)
        except BaseException as exc:  # the fork must never return into this script
            print(f"dial sandbox: cannot run {argv[0] if argv else '?'}: {exc}", file=sys.stderr)
        finally:
            os._exit(127)
    signal.signal(signal.SIGTERM, lambda *_: os.killpg(child, signal.SIGTERM))
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            return 125
        if pid == child:
            if os.WIFSIGNALED(status):
                return 128 + os.WTERMSIG(status)
            return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main())

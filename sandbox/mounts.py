"""Which host paths a namespace sandbox masks, re-exposes read-only, and makes writable.

The root is bound read-only, then /tmp and $HOME are replaced by empty private filesystems. Things
the command needs that live under those (the worktree, a venv or pyenv interpreter, PATH entries)
are bound back in, parents before children, so mount order cannot hide one behind another.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

PRIVATE_HOME = "/tmp/.dial-home"
# Version managers keep their shims on PATH but the real programs beside them (pyenv's shim runs
# ~/.pyenv/libexec/pyenv): a PATH entry inside one of these exposes the manager's whole folder, read-only.
# They hold toolchains, not credentials, unlike the rest of $HOME.
TOOLCHAIN_DIRS = (".pyenv", ".cargo", ".rustup", ".nvm", ".volta", ".asdf", ".rbenv", ".goenv", ".sdkman",
                  ".deno", ".bun", ".juliaup", ".local/share/mise")


def _under(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


def real_home() -> Path | None:
    home = os.environ.get("HOME")
    if not home:
        try:
            import pwd

            home = pwd.getpwuid(os.getuid()).pw_dir
        except (KeyError, ImportError):
            return None
    path = Path(home).resolve()
    if path == Path("/") or not path.is_dir():
        return None
    return path


@dataclass
class Layout:
    masked: list[Path]  # replaced by an empty tmpfs (/tmp stays writable and private; $HOME read-only)
    ro: list[Path] = field(default_factory=list)  # re-exposed read-only under a masked path
    rw: list[Path] = field(default_factory=list)  # writable: the worktree and configured paths
    home: Path | None = None


def _command_paths(argv: Sequence[str], path_env: str, python_path: str = "") -> list[Path]:
    """Host paths the command needs: PATH and PYTHONPATH entries (dial's pytest plugin comes in through
    PYTHONPATH, and a checkout under /tmp would otherwise vanish behind the private /tmp), the program, Python."""
    found: list[Path] = []
    for entry in path_env.split(os.pathsep) + python_path.split(os.pathsep):
        if entry:
            found.append(Path(entry))
    if argv:
        exe = shutil.which(argv[0], path=path_env) or (argv[0] if os.sep in argv[0] else None)
        if exe:
            real = Path(exe).resolve()
            found.append(real.parent.parent if real.parent.name == "bin" else real.parent)
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        found.append(Path(prefix))
    return found


def _linked_git_dir(cwd: Path) -> list[Path]:
    """The metadata of a linked git worktree lives outside it; expose it (read-only) so git reads work."""
    dot_git = cwd / ".git"
    try:
        if not dot_git.is_file():
            return []
        text = dot_git.read_text(errors="replace").strip()
    except OSError:
        return []
    if not text.startswith("gitdir:"):
        return []
    gitdir = Path(text[len("gitdir:") :].strip())
    gitdir = gitdir if gitdir.is_absolute() else (cwd / gitdir)
    common = gitdir / "commondir"
    try:
        rel = common.read_text().strip() if common.is_file() else ""
    except OSError:
        rel = ""
    return [(gitdir / rel).resolve() if rel else gitdir.resolve()]


def _toolchain_root(path: Path, home: Path | None) -> Path:
    """The version manager's folder holding `path`, or `path` itself."""
    if home is None:
        return path
    for name in TOOLCHAIN_DIRS:
        root = home / name
        if _under(path, root):
            return root
    return path


def compute_layout(cwd: Path, writable: Sequence[Path], argv: Sequence[str], path_env: str,
                   python_path: str = "") -> Layout:
    tmp = Path("/tmp").resolve()
    home = real_home()
    masked = [tmp] + ([home] if home is not None and not _under(home, tmp) else [])
    rw = sorted({Path(p).resolve() for p in [cwd, *writable]}, key=lambda p: len(p.parts))
    ro: set[Path] = set()
    for path in _command_paths(argv, path_env, python_path) + _linked_git_dir(Path(cwd)):
        path = _toolchain_root(path, home)
        try:
            real = path.resolve()
        except OSError:
            continue
        if not real.exists() or any(_under(real, w) for w in rw):
            continue
        if any(_under(real, m) and real != m for m in masked):
            ro.add(real)
    # drop ro paths nested in other ro paths: the parent bind already shows them
    ro_list = sorted(ro, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in ro_list:
        if not any(_under(path, k) for k in kept):
            kept.append(path)
    return Layout(masked=masked, ro=kept, rw=rw, home=home)


def ordered_binds(layout: Layout) -> list[tuple[Path, bool]]:
    """(path, writable) in an order where a parent is always bound before its children."""
    binds = [(p, False) for p in layout.ro] + [(p, True) for p in layout.rw]
    return sorted(binds, key=lambda b: len(b[0].parts))

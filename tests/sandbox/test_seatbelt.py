"""The macOS Seatbelt backend. This machine is Linux, so the profile is checked by reading it back (a small
SBPL reader below), not by macOS; the one real run is marked to run only on macOS."""

from __future__ import annotations

import os
import resource
import socket
import sys
from pathlib import Path

import pytest

from sandbox import Limits
from sandbox.errors import SandboxError
from sandbox.registry import available_backends, get_sandbox
from sandbox.seatbelt import SeatbeltSandbox, build_argv, build_profile, canonical, probe, relative_nproc


def read_sbpl(text: str) -> list:
    """The profile as nested lists; strings come back unescaped as ('str', value)."""
    stack: list[list] = [[]]
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == ";":
            i = text.index("\n", i)
        elif ch == "(":
            stack.append([])
        elif ch == ")":
            done = stack.pop()
            stack[-1].append(done)
        elif ch == '"' or text.startswith('#"', i):
            i += 1 if ch == '"' else 2
            out = []
            while text[i] != '"':
                if text[i] == "\\":
                    i += 1
                out.append(text[i])
                i += 1
            stack[-1].append(("str", "".join(out)))
        elif not ch.isspace():
            j = i
            while j < len(text) and not text[j].isspace() and text[j] not in "()":
                j += 1
            stack[-1].append(text[i:j])
            i = j - 1
        i += 1
    assert len(stack) == 1, "unbalanced parentheses"
    return stack[0]


def rules(tree: list, action: str, operation: str) -> list[list]:
    return [form for form in tree if form[:2] == [action, operation]]


def filters(form: list) -> list[tuple[str, str]]:
    """(kind, path) of every subpath/literal/regex filter anywhere inside `form`."""
    found = []
    for item in form:
        if isinstance(item, list):
            if len(item) == 2 and item[0] in ("subpath", "literal", "regex") and isinstance(item[1], tuple):
                found.append((item[0], item[1][1]))
            else:
                found += filters(item)
    return found


def write_allowed(profile: str) -> set[str]:
    """The subpaths the profile leaves writable: those in the one `deny file-write* (require-not ...)`."""
    tree = read_sbpl(profile)
    denies = rules(tree, "deny", "file-write*")
    blanket = [d for d in denies if isinstance(d[2], list) and d[2][0] == "require-not"]
    assert len(blanket) == 1, profile
    return {path for kind, path in filters(blanket[0]) if kind == "subpath" and not path.startswith("/dev")}


def test_writes_are_allowed_only_in_the_worktree_the_writable_paths_and_the_private_tmp(tmp_path: Path) -> None:
    wt, extra, tmp = tmp_path / "wt", tmp_path / "cache", tmp_path / "private"
    for p in (wt, extra, tmp):
        p.mkdir()
    profile = build_profile([wt, extra], tmp, home=tmp_path / "home")
    tree = read_sbpl(profile)
    assert tree[0] == ["version", "1"] and ["allow", "default"] in tree
    assert write_allowed(profile) == {canonical(wt), canonical(extra), canonical(tmp)}
    devices = {path for kind, path in filters(rules(tree, "deny", "file-write*")[0]) if kind == "literal"}
    assert {"/dev/null", "/dev/tty"} <= devices
    assert not [f for f in tree if isinstance(f, list) and f[0] == "allow" and "file-write*" in f]


def test_network_is_denied_unless_asked_for_and_loopback_only_when_allowed(tmp_path: Path) -> None:
    def net_rules(profile: str) -> list:
        return [f for f in read_sbpl(profile) if isinstance(f, list) and f[0] == "deny" and f[1].startswith("network")]

    assert net_rules(build_profile([tmp_path], tmp_path)) == [["deny", "network*"]]
    assert net_rules(build_profile([tmp_path], tmp_path, network=True)) == []
    local = net_rules(build_profile([tmp_path], tmp_path, allow_local_network=True))
    assert ["deny", "network*"] not in local and local
    assert all(rule[2][0] == "require-not" and rule[2][1][2][1] == "localhost:*" for rule in local)


def test_credential_dirs_under_home_are_neither_readable_nor_writable(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    tree = read_sbpl(build_profile([tmp_path / "wt"], tmp_path / "tmp", home=home))
    denied = [f for f in tree if isinstance(f, list) and f[:3] == ["deny", "file-read*", "file-write*"]]
    assert len(denied) == 1
    paths = set(filters(denied[0]))
    base = canonical(home)
    for sub in (".ssh", ".aws", ".config/gh", ".gnupg", ".docker"):
        assert ("subpath", f"{base}/{sub}") in paths
    assert ("literal", f"{base}/.netrc") in paths and ("literal", f"{base}/.git-credentials") in paths
    # nothing else under home is denied to read: reads stay broad so toolchains in ~ keep working
    assert all(path.startswith(base + "/.") or "Keychains" in path for _, path in paths)


def test_a_path_with_a_quote_and_a_backslash_is_escaped_and_reads_back_intact(tmp_path: Path) -> None:
    odd = tmp_path / 'we"ird\\dir'
    odd.mkdir()
    profile = build_profile([odd], tmp_path / "t")
    assert '"' + canonical(odd).replace("\\", "\\\\").replace('"', '\\"') + '"' in profile
    assert canonical(odd) in write_allowed(profile)
    with pytest.raises(SandboxError) as err:
        build_profile([tmp_path / "line\nbreak"], tmp_path)
    assert "control character" in err.value.problem and err.value.fix


def test_paths_are_canonicalised_the_way_macos_sees_them(tmp_path: Path) -> None:
    assert canonical("/tmp/x") == "/private/tmp/x"
    assert canonical("/var/folders/ab/T") == "/private/var/folders/ab/T"
    assert canonical("/etc/hosts") == "/private/etc/hosts"
    assert canonical("/private/tmp/x") == "/private/tmp/x"
    assert canonical("/tmpfoo/x") == "/tmpfoo/x"
    link = tmp_path / "link"
    (tmp_path / "real").mkdir()
    link.symlink_to(tmp_path / "real")
    assert canonical(link) == canonical(tmp_path / "real")
    assert write_allowed(build_profile(["/tmp/dial-wt"], "/tmp/dial-t")) == {"/private/tmp/dial-wt",
                                                                              "/private/tmp/dial-t"}


def test_argv_wraps_the_command_and_the_environment_is_private(tmp_path: Path) -> None:
    assert build_argv("(version 1)", ["pytest", "-q"]) == ["/usr/bin/sandbox-exec", "-p", "(version 1)", "--",
                                                          "pytest", "-q"]
    wt, cache, tmp = tmp_path / "wt", tmp_path / "cache", tmp_path / "tmp"
    for p in (wt, cache, tmp):
        p.mkdir()
    box = SeatbeltSandbox([cache], env_allow=["DIAL_OK"])
    argv, env, warnings = box.plan(["pytest", "-q"], wt, str(tmp), network=False,
                                   env={"EXTRA_API_KEY": "sk-x", "DIAL_OK": "1"})
    assert argv[:2] == ["/usr/bin/sandbox-exec", "-p"] and argv[3:] == ["--", "pytest", "-q"]
    assert write_allowed(argv[2]) == {canonical(wt), canonical(cache), canonical(tmp)}
    assert ["deny", "network*"] in read_sbpl(argv[2])
    assert env["HOME"] == os.path.join(str(tmp), "home") and Path(env["HOME"]).is_dir()
    assert env["TMPDIR"] == str(tmp) and "EXTRA_API_KEY" not in env and env["DIAL_OK"] == "1"
    assert any("EXTRA_API_KEY" in w for w in warnings)
    assert any("setsid" in w for w in warnings) and any("RLIMIT_NPROC" in w for w in warnings)
    with_net = box.plan(["true"], wt, str(tmp), network=True)[0][2]
    assert ["deny", "network*"] not in read_sbpl(with_net)


def test_the_process_limit_counts_the_users_running_processes() -> None:
    nproc = resource.RLIMIT_NPROC
    base = [(resource.RLIMIT_CPU, 10, 11), (nproc, 512, 512)]
    hard = resource.getrlimit(nproc)[1]
    want = 812 if hard == resource.RLIM_INFINITY else min(812, hard)
    assert relative_nproc(base, 512, 300) == [(resource.RLIMIT_CPU, 10, 11), (nproc, want, want)]
    assert relative_nproc(base, 512, None) == [(resource.RLIMIT_CPU, 10, 11)]


def test_probe_says_macos_only_elsewhere_and_names_a_missing_sandbox_exec(tmp_path: Path) -> None:
    assert probe(platform="linux") == (False, "macOS only (sandbox-exec)")
    usable, reason = probe(platform="darwin", exe=str(tmp_path / "sandbox-exec"))
    assert not usable and "not found" in reason


def test_registry_prefers_seatbelt_on_macos_then_containers_then_none_with_a_warning(tmp_path: Path) -> None:
    box = get_sandbox(probe=lambda n: (n in ("seatbelt", "docker", "none"), "here"), platform="darwin",
                      writable=[tmp_path])
    assert isinstance(box, SeatbeltSandbox) and box.writable == [tmp_path]
    assert get_sandbox(probe=lambda n: (n in ("docker", "none"), "x"), platform="darwin").name == "docker"
    fallback = get_sandbox(probe=lambda n: (n == "none", "absent"), platform="darwin")
    assert fallback.name == "none"
    result = fallback.run(["true"], cwd=tmp_path)
    assert result.exit_code == 0 and any("sandbox-exec is not usable" in w for w in result.warnings)
    rows = available_backends(probe=lambda n: (n == "seatbelt", "why"), platform="darwin")
    assert [r[0] for r in rows] == ["seatbelt", "docker", "podman", "none"] and rows[0][1]
    named = get_sandbox("seatbelt", probe=lambda n: (n == "seatbelt", "ok"), platform="darwin")
    assert named.name == "seatbelt"


@pytest.mark.skipif(sys.platform == "darwin", reason="checks the refusal off macOS")
def test_asking_for_seatbelt_off_macos_names_what_is_usable() -> None:
    with pytest.raises(SandboxError) as err:
        get_sandbox("seatbelt")
    assert "macOS only" in err.value.problem
    assert err.value.fix.startswith("use one of:") and "none" in err.value.fix
    assert "seatbelt" not in err.value.fix


@pytest.mark.skipif(sys.platform != "darwin" or not probe()[0], reason="needs macOS with sandbox-exec")
def test_real_run_on_macos(tmp_path: Path) -> None:
    wt = tmp_path / "wt"
    wt.mkdir()
    outside = tmp_path / "outside.txt"
    in_home = Path.home() / f".dial-seatbelt-escape-{os.getpid()}"
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    script = (
        "import os, socket, tempfile\n"
        "open('inside.txt', 'w').write('ok')\n"
        "tempfile.NamedTemporaryFile().close()\n"
        f"for target in [{str(outside)!r}, {str(in_home)!r}]:\n"
        "    try: open(target, 'w').write('x'); print('WROTE', target)\n"
        "    except OSError: print('write denied')\n"
        "try: socket.create_connection(('127.0.0.1', %d), timeout=2); print('CONNECTED')\n"
        "except OSError: print('network denied')\n" % port
    )
    try:
        result = SeatbeltSandbox().run([sys.executable, "-c", script], cwd=wt, limits=Limits(timeout_s=30))
    finally:
        server.close()
        escaped = in_home.exists()
        in_home.unlink(missing_ok=True)
    assert not escaped
    assert result.exit_code == 0, result.output
    assert (wt / "inside.txt").read_text() == "ok" and not outside.exists()
    assert "WROTE" not in result.output and "CONNECTED" not in result.output
    assert result.output.count("write denied") == 2 and "network denied" in result.output
    slow = SeatbeltSandbox().run(["sh", "-c", "sleep 30"], cwd=wt, limits=Limits(timeout_s=1))
    assert slow.timed_out and slow.duration_s < 10

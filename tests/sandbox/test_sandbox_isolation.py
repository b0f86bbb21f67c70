"""What a sandboxed command can see and touch: network, files outside the worktree, $HOME, secrets."""

from __future__ import annotations

import os
import socket
import sys
import threading
from pathlib import Path

import pytest

from sandbox.errors import SandboxError
from sandbox import available_backends, get_sandbox
from sandbox.registry import _probe

ISOLATING = ["bwrap", "unshare"]
PY = sys.executable


@pytest.fixture(params=ISOLATING)
def backend(request: pytest.FixtureRequest) -> str:
    usable, reason = _probe(request.param)
    if not usable:
        pytest.skip(f"{request.param} not usable here: {reason}")
    return request.param


@pytest.fixture
def loopback_server() -> tuple[int, list[int]]:
    """A TCP server on the host's 127.0.0.1 that counts the connections it accepts."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    accepted: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            accepted.append(1)
            conn.sendall(b"hello\n")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


CONNECT = (
    "import socket,sys\ntry:\n s=socket.create_connection(('127.0.0.1',{port}),timeout=3)\n"
    " print('GOT',s.recv(10))\nexcept OSError as e:\n print('FAILED',e); sys.exit(3)"
)


def test_host_loopback_is_unreachable_without_network(backend: str, tmp_path: Path, loopback_server) -> None:
    port, accepted = loopback_server
    result = get_sandbox(backend).run([PY, "-c", CONNECT.format(port=port)], cwd=tmp_path)
    assert result.exit_code == 3 and "FAILED" in result.output
    assert accepted == []


def test_network_true_reaches_host_loopback(backend: str, tmp_path: Path, loopback_server) -> None:
    if backend == "unshare":
        pytest.skip("unshare without --net shares the host network namespace; same code path as none")
    port, accepted = loopback_server
    result = get_sandbox(backend).run([PY, "-c", CONNECT.format(port=port)], cwd=tmp_path, network=True)
    assert "GOT b'hello" in result.output, result.output
    assert accepted == [1]


def test_own_loopback_works_inside(backend: str, tmp_path: Path) -> None:
    script = ("import socket\ns=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(1)\n"
              "c=socket.create_connection(s.getsockname(),timeout=2); print('LOCAL OK')")
    result = get_sandbox(backend).run([PY, "-c", script], cwd=tmp_path)
    assert "LOCAL OK" in result.output, result.output


def test_writes_outside_the_worktree_and_to_home_fail(backend: str, tmp_path: Path) -> None:
    worktree = tmp_path / "wt"
    outside = tmp_path / "outside"
    worktree.mkdir()
    outside.mkdir()
    home = Path(os.environ.get("HOME", "/root"))
    marker = f"dial-sandbox-test-{os.getpid()}"
    script = f"""
import os, pathlib
for target in [{str(outside / 'x')!r}, {str(home / marker)!r}, '/etc/{marker}', '/var/tmp/{marker}']:
    try:
        pathlib.Path(target).write_text('pwned')
        print('WROTE', target)
    except OSError as e:
        print('DENIED', target, e.errno)
pathlib.Path('inside.txt').write_text('ok')
pathlib.Path('/tmp/private.txt').write_text('ok')
pathlib.Path(os.environ['HOME'], 'cache').write_text('ok')
print('HOME', os.environ['HOME'])
"""
    result = get_sandbox(backend).run([PY, "-c", script], cwd=worktree)
    assert "WROTE" not in result.output, result.output
    assert result.output.count("DENIED") == 4
    assert not (outside / "x").exists() and not (home / marker).exists()
    assert not Path(f"/etc/{marker}").exists() and not Path(f"/var/tmp/{marker}").exists()
    assert (worktree / "inside.txt").read_text() == "ok"  # the worktree is writable
    assert not Path("/tmp/private.txt").exists()  # /tmp was private
    assert f"HOME {home}" not in result.output  # HOME points at a private directory


def test_home_contents_are_hidden(backend: str, tmp_path: Path) -> None:
    home = Path(os.environ.get("HOME", "/root"))
    secret = home / f".dial-test-secret-{os.getpid()}"
    secret.write_text("hunter2")
    try:
        result = get_sandbox(backend).run(["cat", str(secret)], cwd=tmp_path)
    finally:
        secret.unlink()
    assert "hunter2" not in result.output and result.exit_code != 0


def test_worktree_under_dot_dial_stays_writable(backend: str, tmp_path: Path) -> None:
    wt = tmp_path / "repo" / ".dial" / "worktrees" / "r1"
    wt.mkdir(parents=True)
    result = get_sandbox(backend, writable=[]).run(["sh", "-c", "echo hi > f && cat f"], cwd=wt)
    assert result.exit_code == 0 and (wt / "f").read_text() == "hi\n"


@pytest.mark.parametrize("name", ["bwrap", "unshare", "none"])
def test_environment_secrets_do_not_reach_the_command(name: str, tmp_path: Path, monkeypatch) -> None:
    if not _probe(name)[0]:
        pytest.skip(f"{name} not usable")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-leak-me")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_leak_me")
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-leak-me")
    monkeypatch.setenv("DIAL_FRIENDLY", "visible")
    sb = get_sandbox(name, env_allow=["DIAL_FRIENDLY", "GITHUB_TOKEN"])
    result = sb.run(["env"], cwd=tmp_path, env={"EXTRA_API_KEY": "sk-extra", "PYTEST_ADDOPTS": "-q"})
    assert "leak" not in result.output and "sk-extra" not in result.output
    assert "DIAL_FRIENDLY=visible" in result.output and "PYTEST_ADDOPTS=-q" in result.output
    assert any("GITHUB_TOKEN" in w for w in result.warnings)
    assert any("EXTRA_API_KEY" in w for w in result.warnings)
    if name == "none":
        assert any("no isolation" in w for w in result.warnings)


def test_unknown_or_unusable_backend_names_the_alternatives() -> None:
    with pytest.raises(SandboxError) as err:
        get_sandbox("chroot")
    assert "bwrap" in err.value.fix and "none" in err.value.fix
    with pytest.raises(SandboxError) as err:
        get_sandbox("bwrap", probe=lambda n: (n == "none", "missing here"))
    assert "missing here" in err.value.problem and err.value.fix.startswith("use one of: none")


def test_best_backend_is_chosen_and_none_never_implicitly() -> None:
    rows = available_backends()
    assert [r[0] for r in rows] == ["bwrap", "unshare", "docker", "podman", "none"]
    best = next(name for name, usable, _ in rows if usable)
    assert get_sandbox().name == best
    assert get_sandbox(probe=lambda n: (n == "unshare", "x")).name == "unshare"
    with pytest.raises(SandboxError) as err:
        get_sandbox(probe=lambda n: (False, "absent"))
    assert "--sandbox none" in err.value.fix


def test_worktree_under_the_masked_home_is_still_visible_and_writable(backend: str) -> None:
    import tempfile

    home = Path(os.environ.get("HOME", "/root"))
    if not os.access(home, os.W_OK):
        pytest.skip("HOME is not writable here")
    with tempfile.TemporaryDirectory(dir=home, prefix=".dial-test-wt-") as wt:
        (Path(wt) / "src.txt").write_text("from the worktree")
        result = get_sandbox(backend).run(["sh", "-c", "cat src.txt && echo ok > out.txt"], cwd=Path(wt))
        assert result.exit_code == 0 and "from the worktree" in result.output, result.output
        assert (Path(wt) / "out.txt").read_text() == "ok\n"


def test_git_reads_work_inside_a_linked_worktree(backend: str, tmp_path: Path) -> None:
    import subprocess

    from agent.worktree import Workspace

    repo = tmp_path / "repo"
    repo.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    (repo / "f.txt").write_text("one\n")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "first commit"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    ws = Workspace.create(repo)
    result = get_sandbox(backend).run(["git", "log", "--format=%s"], cwd=ws.path)
    assert result.exit_code == 0 and "first commit" in result.output, result.output
    # ...but the repository's metadata stays read-only
    result = get_sandbox(backend).run(["sh", "-c", "echo x > new.txt; git add new.txt"], cwd=ws.path)
    assert result.exit_code != 0 and (ws.path / "new.txt").exists()


def test_macos_without_backends_falls_back_to_none_with_a_warning(tmp_path: Path) -> None:
    sb = get_sandbox(probe=lambda n: (n == "none", "absent"), platform="darwin")
    assert sb.name == "none"
    result = sb.run(["true"], cwd=tmp_path)
    assert result.exit_code == 0 and any("macOS" in w for w in result.warnings)

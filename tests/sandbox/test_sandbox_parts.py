"""The pieces every backend shares: output capture, environment filter, runtime detection, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli.main import main
from sandbox.env import build_env, is_secret_name
from sandbox.output import OutputCapture
from sandbox.process import address_space_safe


def test_capture_keeps_everything_when_small() -> None:
    cap = OutputCapture(10, 10)
    for piece in (b"hello ", b"world"):
        cap.feed(piece)
    assert cap.text() == "hello world" and cap.total == 11


def test_capture_keeps_head_and_tail_and_counts_the_rest() -> None:
    cap = OutputCapture(4, 6)
    data = b"HEAD" + b"x" * 10_000 + b"TAIL!!"
    for i in range(0, len(data), 7):
        cap.feed(data[i : i + 7])
    text = cap.text()
    assert text.startswith("HEAD\n[... 10000 bytes cut") and text.endswith("TAIL!!")
    assert "wrote 10010 bytes" in text and cap.total == 10010
    assert len(cap.tail) <= 12  # trimmed as it goes


def test_capture_big_chunk_replaces_tail() -> None:
    cap = OutputCapture(0, 3)
    cap.feed(b"abcdef")
    cap.feed(b"ghijkl")
    assert cap.text().endswith("jkl") and cap.total == 12


def test_secret_names() -> None:
    for name in ("ANTHROPIC_API_KEY", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD"):
        assert is_secret_name(name)
    for name in ("PATH", "LANG", "PYTHONPATH", "LC_ALL"):
        assert not is_secret_name(name)


def test_env_allow_list() -> None:
    source = {"PATH": "/bin", "LC_ALL": "C", "OPENAI_API_KEY": "sk", "USER": "me", "PYTHONSTARTUP": "/x",
              "PYTHONHASHSEED": "0"}
    env, warnings = build_env("/tmp/h", ["USER"], {"FOO": "1"}, source=source)
    assert env["PATH"] == "/bin" and env["LC_ALL"] == "C" and env["USER"] == "me" and env["FOO"] == "1"
    assert env["HOME"] == "/tmp/h" and env["PAGER"] == "cat" and env["PYTHONHASHSEED"] == "0"
    assert "OPENAI_API_KEY" not in env and "PYTHONSTARTUP" not in env
    assert warnings == []


@pytest.mark.parametrize(
    "argv,safe",
    [(["pytest", "-q"], True), (["go", "test", "./..."], False), (["sh", "-c", "npm test && echo"], False),
     (["/usr/lib/jvm/bin/java", "-jar", "x"], False), (["cargo", "test"], True)],
)
def test_address_space_limit_skipped_for_hungry_runtimes(argv: list[str], safe: bool) -> None:
    assert address_space_safe(argv) is safe


def test_cli_sandbox_json_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--repo", str(tmp_path), "--json", "--", "sh", "-c", "echo out; echo err >&2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"backend", "exit_code", "timed_out", "killed", "output", "output_bytes"}
    assert data["exit_code"] == 0 and data["timed_out"] is False and data["output_bytes"] == 8
    assert "out" in data["output"] and "err" in data["output"]


def test_cli_sandbox_timeout_exit_code_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["sandbox", "--repo", str(tmp_path), "--timeout", "0.5", "--", "sleep", "10"])
    assert done.value.code == 124
    out = capsys.readouterr()
    assert "timed out: yes" in out.out and "backend: " in out.out and "timed out after" in out.err


def test_cli_sandbox_unknown_backend_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--repo", str(tmp_path), "--sandbox", "nope", "--", "true"]) == 2
    err = capsys.readouterr().err
    assert "unknown sandbox backend 'nope'" in err and "fix: use one of" in err


def test_cli_doctor_reports_keys_set_but_never_their_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-do-not-print")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert main(["doctor", "--repo", str(tmp_path), "--json"]) == 0
    text = capsys.readouterr().out
    assert "sk-ant-do-not-print" not in text
    report = json.loads(text)
    assert report["provider_keys"]["ANTHROPIC_API_KEY"] is True
    assert report["provider_keys"]["OPENAI_API_KEY"] is False
    assert report["sandbox_chosen"] in {row["name"] for row in report["sandbox_backends"] if row["usable"]}
    assert report["git"].startswith("git version") and report["grammars"]["ok"] is True
    assert isinstance(report["index"], dict) and "process_limit" in report["limits"]
    assert main(["doctor", "--repo", str(tmp_path)]) == 0
    plain = capsys.readouterr().out
    assert "ANTHROPIC_API_KEY set" in plain and "sk-ant" not in plain and "chosen:" in plain


def test_exported_api() -> None:
    import sandbox

    assert set(sandbox.__all__) == {"CommandResult", "Limits", "Sandbox", "available_backends", "get_sandbox"}
    import agent.worktree as wt

    assert set(wt.__all__) == {"Workspace", "apply_run", "clean_runs", "list_runs"}


def test_container_command_line_carries_every_limit(tmp_path: Path) -> None:
    from sandbox.base import Limits
    from sandbox.container import ContainerSandbox

    sb = ContainerSandbox("docker", writable=[tmp_path / "cache"])
    argv = sb.build_argv(["pytest", "-q"], tmp_path, Limits(max_procs=64, memory_mb=512, cpu_s=30), False,
                         {"PATH": "/host/bin", "LANG": "C.UTF-8"}, "dial-x")
    line = " ".join(argv)
    for flag in ("--network none", "--pids-limit 64", "--memory 512m", "--cap-drop ALL", "--read-only",
                 f"-v {tmp_path}:{tmp_path}:rw", f"-w {tmp_path}", "--ulimit cpu=30:30", "-e LANG=C.UTF-8"):
        assert flag in line
    assert "/host/bin" not in line and argv[-3:] == [sb.image, "pytest", "-q"]
    assert "--network bridge" in " ".join(sb.build_argv(["x"], tmp_path, Limits(), True, {}, "n"))


def test_stale_cgroups_of_dead_processes_are_swept(tmp_path: Path) -> None:
    from sandbox.cgroup import V1_ROOT, Cgroup

    parent = V1_ROOT / "pids"
    probe = Cgroup.create(8, None)
    if probe is None or "pids" not in probe.dirs:
        pytest.skip("no cgroup v1 pids hierarchy dial may write")
    probe.remove()
    stale = parent / f"dial-{2**22 + 4321}-feedbeef"  # a pid that cannot exist
    stale.mkdir()
    Cgroup.create(8, None).remove()
    assert not stale.exists()


def test_a_version_manager_shim_on_path_exposes_the_managers_folder_but_not_the_rest_of_home(tmp_path):
    """pyenv's shim execs ~/.pyenv/libexec/pyenv: exposing only the shims folder breaks `python3`."""
    from sandbox.mounts import _toolchain_root

    home = tmp_path / "home"
    shims = home / ".pyenv" / "shims"
    assert _toolchain_root(shims, home) == home / ".pyenv"
    assert _toolchain_root(home / ".ssh", home) == home / ".ssh"  # not a toolchain: only itself, if ever asked
    assert _toolchain_root(Path("/usr/bin"), home) == Path("/usr/bin")


def test_python3_found_through_a_pyenv_shim_runs_inside_bwrap(tmp_path):
    import shutil as _shutil

    from sandbox import get_sandbox

    python3 = _shutil.which("python3")
    if not python3 or "/.pyenv/shims/" not in python3:
        pytest.skip("python3 on this machine is not a pyenv shim")
    result = get_sandbox("bwrap").run(["python3", "-c", "print('shim ok')"], cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "shim ok" in result.output


@pytest.mark.parametrize("backend", ["bwrap", "unshare"])
def test_a_pythonpath_entry_under_tmp_stays_visible_inside_the_sandbox(tmp_path, backend):
    """dial loads its pytest plugin through PYTHONPATH; a dial checkout under /tmp must not vanish behind
    the sandbox's private /tmp (CI clones into such folders)."""
    from sandbox import available_backends, get_sandbox

    if not dict((n, u) for n, u, _ in available_backends()).get(backend):
        pytest.skip(f"{backend} is not usable here")
    plugin_dir = tmp_path / "plugins"
    plugin_dir.mkdir()
    (plugin_dir / "dial_probe_mod.py").write_text("VALUE = 'seen'\n")
    work = tmp_path / "work"
    work.mkdir()
    result = get_sandbox(backend).run(
        ["python3", "-c", "import dial_probe_mod; print(dial_probe_mod.VALUE)"],
        cwd=work,
        env={"PYTHONPATH": str(plugin_dir)},
    )
    assert result.exit_code == 0, result.output
    assert "seen" in result.output

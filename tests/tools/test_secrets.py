"""Credentials stay out of the model's view: refused files, redacted strings, filtered search."""

from __future__ import annotations

from pathlib import Path

from tools.secrets import SecretPolicy, redact
from tools.toolbox import Toolbox

ED = "str_replace_based_edit_tool"
ANTHROPIC = "sk-ant-api03-" + "A1b2C3d4E5f6G7h8I9j0" * 3
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0" * 2
AWS = "AKIA" + "ABCDEFGHIJKLMNOP"


def test_secret_files_are_refused(tmp_path: Path) -> None:
    for name in (".env", ".env.production", "server.key", "cert.pem", "aws_credentials.json", "deploy/id_rsa", "my.secret"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("TOKEN=abc\n")
    tb = Toolbox(tmp_path, secret_globs=["*.secret"])
    for name in (".env", ".env.production", "server.key", "cert.pem", "aws_credentials.json", "deploy/id_rsa", "my.secret"):
        out = tb.execute(ED, {"command": "view", "path": name})
        assert out.is_error and "credentials" in out.text, name
    assert tb.execute(ED, {"command": "create", "path": ".env", "file_text": "X=1"}).is_error
    assert (tmp_path / ".env").read_text() == "TOKEN=abc\n"


def test_env_example_is_not_a_secret() -> None:
    assert not SecretPolicy().is_secret(".env.example")
    assert SecretPolicy().is_secret("config/.env")


def test_key_shaped_strings_are_redacted_everywhere(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text(f'KEY = "{ANTHROPIC}"\nGH = "{GITHUB}"\nAWS = "{AWS}"\nOPENAI = "sk-proj-abcdefghijklmnopqrstuvwxyz012345"\n')
    tb = Toolbox(tmp_path)
    view = tb.execute(ED, {"command": "view", "path": "settings.py"}).text
    search = tb.execute("search", {"pattern": "KEY|GH|AWS|OPENAI"}).text
    for text in (view, search):
        assert ANTHROPIC not in text and GITHUB not in text and AWS not in text and "sk-proj-abc" not in text
        assert text.count("[REDACTED]") == 4


def test_redact_private_key_block_and_keeps_ordinary_text() -> None:
    text = "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\nb sk-short"
    out = redact(text)
    assert "MIIEow" not in out and out.startswith("a\n[REDACTED]") and out.endswith("b sk-short")


def test_search_skips_secret_files(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("NEEDLE=1\n")
    (tmp_path / "server.key").write_text("NEEDLE=3\n")
    (tmp_path / "app.py").write_text("NEEDLE = 2\n")
    tb = Toolbox(tmp_path)
    out = tb.execute("search", {"pattern": "NEEDLE", "fixed_strings": True}).text
    assert "app.py:1:" in out and ".env" not in out and "server.key" not in out

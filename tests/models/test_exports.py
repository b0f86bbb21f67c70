"""The public API other parts code against: names and signatures stay put."""

from __future__ import annotations

import inspect
import subprocess
import sys

import agent.models as models


def test_exported_names() -> None:
    for name in ("make_model", "get_capabilities", "ModelCapabilities", "cost_usd", "worst_case_cost",
                 "translate_budget", "ThinkingControl", "ModelError", "Recorder", "ReplayModel"):
        assert name in models.__all__ and hasattr(models, name)
    assert issubclass(models.AuthError, models.ModelError)
    assert issubclass(models.ContextTooLongError, models.BadRequestError)


def test_signatures() -> None:
    params = inspect.signature(models.make_model).parameters
    assert list(params)[:2] == ["name", "config"]
    assert all(params[p].kind is inspect.Parameter.KEYWORD_ONLY for p in ("recorder", "transport", "sleep", "env"))
    assert list(inspect.signature(models.translate_budget).parameters) == ["caps", "thinking_budget", "max_tokens"]
    assert list(inspect.signature(models.worst_case_cost).parameters) == ["caps", "input_tokens", "max_tokens"]
    record = list(inspect.signature(models.Recorder.record).parameters)
    assert record[:6] == ["self", "provider", "request_json", "response_json_or_events", "status", "headers"]


def test_import_does_no_work() -> None:
    """Importing the package reads no file and opens no connection: the table is read on first lookup."""
    code = ("import agent.models, sys; from agent.models import capabilities as c; "
            "print(c._table.cache_info().currsize, 'httpx' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "True"]

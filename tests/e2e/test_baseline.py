"""End to end: a test that already failed before any edit, and that nothing ties to the task, does not hold
the run back; the tests of the bug itself, failing before too, stay targets even when the model edits nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.execute.session import RunOptions, execute
from tests.e2e.coder import ScriptedCoder
from tests.e2e.helpers import MODEL, loopback_factory
from tests.e2e.sample import FIXES, SITES, TASK, git, make_repo
from tests.servers.anthropic_server import AnthropicServer

LEGACY = "tests/test_legacy.py::test_export_format_is_xml"
BUG_TESTS = {"tests/test_cart.py::test_total_with_tax_is_whole_cents", "tests/test_money.py::test_to_cents_rounds_half_up"}


@pytest.fixture
def shop_with_broken_test(tmp_path: Path) -> Path:
    """The sample shop plus a committed test that fails for a reason unrelated to the cart bug."""
    repo = make_repo(tmp_path)
    (repo / "tests" / "test_legacy.py").write_text(
        "def export_format():\n    return 'csv'\n\n\ndef test_export_format_is_xml():\n"
        "    assert export_format() == 'xml'\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a test that fails on main")
    return repo


def _run(repo: Path, coder: ScriptedCoder, **options: object):
    with AnthropicServer([coder] * 40) as server:
        outcome = execute(RunOptions(task=TASK, repo=repo, model=MODEL, budget=32000, **options),
                          model_factory=loopback_factory(server.base_url))
    assert server.errors == []
    return outcome.report


def test_an_old_unrelated_failure_does_not_hold_back_a_fixed_bug(shop_with_broken_test: Path) -> None:
    coder = ScriptedCoder(FIXES, SITES)
    report = _run(shop_with_broken_test, coder)
    assert report.status == "passed", report.remaining
    assert set(report.tests.failing_before) == BUG_TESTS | {LEGACY}
    assert report.tests.unrelated == [LEGACY] and report.tests.failed == [LEGACY] and report.tests.full_suite_run
    assert report.tried[0].startswith("tests round 0, before any edit: 3 failing")
    assert any("failed before any edit too" in t and LEGACY in t for t in report.tried)
    # the repair turns were about the bug, never about the unrelated test
    repairs = [s["text"] for s in coder.seen if s["kind"] == "repair"]
    assert repairs and all("test_legacy" not in text for text in repairs)
    assert report.iterations == 2


def test_the_bugs_own_failing_tests_stay_targets_when_nothing_is_edited(shop_with_broken_test: Path) -> None:
    report = _run(shop_with_broken_test, ScriptedCoder({}, {}), max_iterations=2)
    assert report.status != "passed"
    assert BUG_TESTS <= set(report.tests.failed)
    assert "test_cart.py" in report.remaining


def test_without_the_baseline_an_old_failure_holds_the_run_back(shop_with_broken_test: Path) -> None:
    config = shop_with_broken_test / ".dial.toml"
    config.write_text(config.read_text() + "baseline_tests = false\n")
    git(shop_with_broken_test, "commit", "-qam", "no baseline")
    report = _run(shop_with_broken_test, ScriptedCoder(FIXES, SITES), max_iterations=3)
    assert report.status != "passed"
    assert report.tests.failing_before == [] and report.tests.unrelated == []
    assert LEGACY in report.tests.failed and not report.tried[0].startswith("tests round 0")

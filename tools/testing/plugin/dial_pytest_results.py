"""dial's pytest plugin: write one JSON record per test so dial reads results as data, not text.

Loaded with `-p dial_pytest_results` from a directory dial puts on PYTHONPATH; the target repository
installs nothing. The output path comes from DIAL_PYTEST_RESULTS. Only the standard library is used.
"""

from __future__ import annotations

import json
import os

_MAX_TB = 4000
_MAX_MSG = 1000


class _Collector:
    def __init__(self, path: str) -> None:
        self.path = path
        self.records: dict[str, dict] = {}
        self.order: list[str] = []

    def _put(self, nodeid: str, record: dict) -> None:
        if nodeid not in self.records:
            self.order.append(nodeid)
            self.records[nodeid] = record
            return
        old = self.records[nodeid]
        # A teardown error on a passed test turns it into an error; never hide an earlier failure.
        if old["outcome"] in ("passed", "skipped") and record["outcome"] in ("failed", "error"):
            self.records[nodeid] = record

    def pytest_runtest_logreport(self, report) -> None:  # type: ignore[no-untyped-def]
        outcome = None
        if report.when == "call":
            if hasattr(report, "wasxfail"):
                outcome = "xpass" if report.passed else "xfail"
            else:
                outcome = report.outcome
        elif report.failed:
            outcome = "error"
        elif report.skipped:
            outcome = "xfail" if hasattr(report, "wasxfail") else "skipped"
        elif report.when == "setup" and report.passed:
            return
        if outcome is None:
            return
        self._put(report.nodeid, _record(report, outcome))

    def pytest_collectreport(self, report) -> None:  # type: ignore[no-untyped-def]
        if report.failed:
            self._put(report.nodeid or "<collection>", _record(report, "error"))

    def pytest_sessionfinish(self, session, exitstatus) -> None:  # type: ignore[no-untyped-def]
        data = {"exitstatus": int(exitstatus), "tests": [self.records[n] for n in self.order]}
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, self.path)


def _record(report, outcome: str) -> dict:  # type: ignore[no-untyped-def]
    path, line = (report.location[0], report.location[1]) if getattr(report, "location", None) else (report.fspath, None)
    rec = {"nodeid": report.nodeid, "outcome": outcome, "path": str(path), "line": line,
           "message": "", "crash_path": None, "crash_line": None, "traceback": "", "frames": [],
           "duration": getattr(report, "duration", 0.0)}
    longrepr = report.longrepr
    if outcome in ("failed", "error") and longrepr is not None:
        crash = getattr(longrepr, "reprcrash", None)
        if crash is not None:
            rec["crash_path"], rec["crash_line"] = str(crash.path), crash.lineno
            rec["message"] = (crash.message or "")[:_MAX_MSG]
        frames = []
        for entry in getattr(getattr(longrepr, "reprtraceback", None), "reprentries", []) or []:
            loc = getattr(entry, "reprfileloc", None)
            if loc is not None:
                frames.append({"path": str(loc.path), "line": loc.lineno, "message": (loc.message or "")[:200]})
        rec["frames"] = frames[-30:]
        text = str(longrepr)
        rec["traceback"] = text if len(text) <= _MAX_TB else text[: _MAX_TB // 4] + "\n...\n" + text[-3 * _MAX_TB // 4 :]
        if not rec["message"]:
            rec["message"] = text.strip().splitlines()[-1][:_MAX_MSG] if text.strip() else ""
    elif outcome in ("skipped", "xfail") and isinstance(longrepr, tuple) and len(longrepr) == 3:
        rec["message"] = str(longrepr[2])[:_MAX_MSG]
    return rec


def pytest_configure(config) -> None:  # type: ignore[no-untyped-def]
    path = os.environ.get("DIAL_PYTEST_RESULTS")
    if path and not hasattr(config, "workerinput"):  # xdist workers report through the controller
        config.pluginmanager.register(_Collector(path), "dial_results_collector")

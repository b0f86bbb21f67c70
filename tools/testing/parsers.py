"""Per-test results from the text other frameworks print (go test -json, cargo, unittest)."""

from __future__ import annotations

import json
import re

from tools.testing.results import TestCase

_CARGO = re.compile(r"^test (\S+) \.\.\. (ok|FAILED|ignored)", re.M)
_UNITTEST = re.compile(r"^(\w+) \(([\w.]+)\)(?:\n[^\n]*)? \.\.\. (ok|FAIL|ERROR|skipped.*|expected failure|unexpected success)$", re.M)
_UNITTEST_HDR = re.compile(r"^(FAIL|ERROR): (\w+) \(([\w.]+)\)", re.M)


def parse_go_json(output: str) -> list[TestCase]:
    cases: dict[str, TestCase] = {}
    logs: dict[str, list[str]] = {}
    for line in output.splitlines():
        if not line.startswith("{"):
            continue
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        test = ev.get("Test")
        if not test:
            continue
        nodeid = f"{ev.get('Package', '')}/{test}"
        action = ev.get("Action")
        if action == "output":
            logs.setdefault(nodeid, []).append(ev.get("Output", ""))
        elif action in ("pass", "fail", "skip"):
            outcome = {"pass": "passed", "fail": "failed", "skip": "skipped"}[action]
            text = "".join(logs.get(nodeid, []))
            msg = next((ln.strip() for ln in text.splitlines() if re.search(r"_test\.go:\d+:", ln)), "")
            cases[nodeid] = TestCase(nodeid, outcome, message=msg, traceback=text[-3000:])
    return list(cases.values())


def parse_cargo(output: str) -> list[TestCase]:
    out = []
    for name, status in _CARGO.findall(output):
        outcome = {"ok": "passed", "FAILED": "failed", "ignored": "skipped"}[status]
        msg = ""
        if outcome == "failed":
            m = re.search(r"---- " + re.escape(name) + r" stdout ----\n(.*?)(?:\n\n|\Z)", output, re.S)
            msg = m.group(1).strip()[-1000:] if m else ""
        out.append(TestCase(name, outcome, message=msg))
    return out


def parse_unittest(output: str) -> list[TestCase]:
    out = []
    for name, cls, status in _UNITTEST.findall(output):
        outcome = {"ok": "passed", "FAIL": "failed", "ERROR": "error", "expected failure": "xfail", "unexpected success": "xpass"}.get(status, "skipped")
        out.append(TestCase(_unittest_id(cls, name), outcome))
    by_id = {c.nodeid: c for c in out}
    blocks = re.split(r"^={50,}$", output, flags=re.M)
    for block in blocks:
        m = _UNITTEST_HDR.search(block)
        if not m:
            continue
        nodeid = _unittest_id(m.group(3), m.group(2))
        body = block.split("-" * 70, 2)[1].strip() if block.count("-" * 70) >= 1 else block.strip()
        body_lines = [ln for ln in body.splitlines() if ln.strip()]
        last = next((ln for ln in reversed(body_lines) if re.match(r"^\w*(Error|Exception)\b", ln)), body_lines[-1] if body_lines else "")
        case = by_id.get(nodeid) or TestCase(nodeid, "failed" if m.group(1) == "FAIL" else "error")
        case.message, case.traceback = last[:1000], body[-3000:]
        if nodeid not in by_id:
            out.append(case)
            by_id[nodeid] = case
    return out


def _unittest_id(cls: str, name: str) -> str:
    """Python 3.11+ prints `test_x (mod.Class.test_x)`; older versions `test_x (mod.Class)`."""
    return cls if cls.endswith("." + name) else f"{cls}.{name}"

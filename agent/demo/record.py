"""Regenerate the demo's recorded run: the real loop, the scripted loopback Anthropic server, record mode.

    python -m agent.demo.record        (from a source checkout: it uses tests/servers and tests/e2e)

The recording is what `dial demo` replays. It is a genuine trajectory of dial's own loop: planning, a
tool-use turn per planned edit with the edit's thinking budget, a failing test run, an escalated second
attempt, the full suite. Only the model is scripted (tests/e2e/coder.py), over the real wire format.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from agent.demo import bundled_run, prepare_example, recording_dir

MODEL = "anthropic:claude-sonnet-4-5"
TASK = ("Cart.total() charges the discount instead of the discounted price: a 20.00 cart with coupon SPRING10 "
        "should cost 18.00 but costs 2.00. apply_discount in inventory/discounts.py takes the percentage "
        "instead of leaving the rest, and prices must round half up to whole cents.")
BUDGET = 16000
SITES = {"inventory/discounts.py": "apply_discount"}
# First fix forgets rounding half up (a test still fails); the escalated second attempt gets it right.
FIXES = {
    "inventory/discounts.py": [
        ("return cents * percent // 100", "return cents * (100 - percent) // 100"),
        ("return cents * (100 - percent) // 100", "return (cents * (100 - percent) + 50) // 100"),
    ],
}


def record(out: Path) -> dict:
    """Run the loop once against the scripted server; copy its trajectory and inputs to `out`."""
    from agent.execute.session import RunOptions, execute
    from agent.execute.view import PlainView
    from agent.models import make_model
    from tests.e2e.coder import ScriptedCoder
    from tests.servers.anthropic_server import AnthropicServer

    work = Path(tempfile.mkdtemp(prefix="dial-record-"))
    try:
        repo = prepare_example(work)
        with AnthropicServer([ScriptedCoder(FIXES, SITES)] * 40) as server:
            env = {"ANTHROPIC_API_KEY": "loopback-no-key", "ANTHROPIC_BASE_URL": server.base_url}

            def factory(name: str, config: object, *, recorder: object = None) -> object:
                return make_model(name, config, recorder=recorder, env=env)  # type: ignore[arg-type]

            outcome = execute(RunOptions(task=TASK, repo=repo, model=MODEL, budget=BUDGET),
                              view=PlainView(sys.stderr), model_factory=factory)
            if server.errors:
                raise SystemExit(f"the server refused requests: {server.errors}")
        report = outcome.report
        if report.status != "passed":
            raise SystemExit(f"the recorded run did not pass: {report.status}: {report.remaining}")
        run_dir = Path(report.run_dir)
        out.mkdir(parents=True, exist_ok=True)
        lines = [json.loads(line) for line in (run_dir / "trajectory.jsonl").read_text().splitlines() if line]
        with (out / "trajectory.jsonl").open("w", encoding="utf-8") as fh:
            for item in lines:
                if item.get("kind") == "model_call":
                    fh.write(json.dumps(item, ensure_ascii=False) + "\n")
        task = json.loads((run_dir / "task.json").read_text())
        task["test_cmd"] = None  # detected where the demo runs (the interpreter path differs per machine)
        (out / "task.json").write_text(json.dumps(task, indent=2) + "\n")
        return report.to_json()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    result = record(recording_dir())
    bundled_run()
    print(json.dumps({k: result[k] for k in ("status", "iterations", "planned", "spent", "cost_usd")}, indent=2))

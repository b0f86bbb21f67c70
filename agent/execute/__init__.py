"""The loop: plan, edit each planned site with its thinking budget, test, escalate; enforce caps; report.

Public API: `agent.execute.session.execute(RunOptions, view=, model_factory=) -> RunOutcome` (what the CLI
and integrations call), `RunOptions`, `RunOutcome`; `agent.execute.report.RunReport` (the `--json` object);
`agent.execute.ledger.Ledger` (caps checked before each call); `agent.execute.view.make_view`.
"""

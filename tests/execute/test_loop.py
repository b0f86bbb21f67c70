"""The loop's edges with an in-process scripted model (injected through the model factory, not patched):
tool-turn limits, thinking that runs out mid-turn, context trimming, billed attempts of a failed call."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from agent.errors import DialError
from agent.execute.context import TRIMMED
from agent.execute.session import RunOptions, execute
from agent.models import ProviderUnavailableError
from agent.models.types import Message, ModelRequest, ModelResponse, TextBlock, ThinkingBlock, ToolUseBlock, Usage
from tests.e2e.sample import TASK, git, make_repo

MODEL = "anthropic:claude-sonnet-4-5"
Step = Callable[[ModelRequest], ModelResponse]


@dataclass
class Spend:
    thinking: int


class ScriptedModel:
    """Answers each call with the next step; fails loudly when the script runs out."""

    def __init__(self, steps: list[Step]) -> None:
        self.steps = list(steps)
        self.requests: list[ModelRequest] = []
        self.name = MODEL

    def complete(self, request: ModelRequest) -> ModelResponse:
        assert self.steps, f"scripted model ran out after {len(self.requests)} calls"
        snapshot = [Message(m.role, list(m.content)) for m in request.messages]  # the loop trims in place
        self.requests.append(ModelRequest(request.system, snapshot, request.tools, request.thinking_budget,
                                          request.max_tokens))
        return self.steps.pop(0)(request)


def view(path: str, thinking: int = 0) -> Step:
    def step(request: ModelRequest) -> ModelResponse:
        blocks: list[Any] = [ThinkingBlock("x" * 40, "sig")] if request.thinking_budget else []
        blocks.append(ToolUseBlock(f"t{id(blocks)}", "str_replace_based_edit_tool", {"command": "view", "path": path}))
        return ModelResponse(blocks, "tool_use", Usage(1000, 100 + thinking, thinking_tokens=thinking), MODEL)
    return step


def done(request: ModelRequest) -> ModelResponse:
    return ModelResponse([TextBlock("no change needed")], "end_turn", Usage(1000, 20), MODEL)


def _run(repo: Path, model: ScriptedModel, **options: Any) -> Any:
    return execute(RunOptions(task=TASK, repo=repo, model=MODEL, **options),
                   model_factory=lambda name, config, recorder=None: model)


def _repo(tmp_path: Path, dial_toml: str) -> Path:
    repo = make_repo(tmp_path)
    (repo / ".dial.toml").write_text(dial_toml)
    git(repo, "commit", "-qam", "config")
    return repo


def test_turn_limit_cuts_a_turn_and_the_next_prompt_follows_its_tool_results(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "[loop]\nmax_turns_per_iteration = 2\nflaky_reruns = 0\n")
    model = ScriptedModel([view("shop/tax.py"), view("shop/tax.py")] + [done] * 6)
    outcome = _run(repo, model, budget=0, max_iterations=1)
    assert outcome.report.status == "max_iterations"
    third = model.requests[2].messages
    assert [m.role for m in third] == ["user", "assistant", "user", "assistant", "user"]
    last = third[-1].content
    assert last[0].type == "tool_result" and last[-1].type == "text"
    assert "tool calls allowed" in last[1].text and "Edit 2 of " in last[-1].text


def test_thinking_never_exceeds_what_is_left_and_stops_under_the_minimum(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "[loop]\nflaky_reruns = 0\n")
    budget = 40000

    def spend_all_but(left: int) -> Step:
        """A tool call whose thinking leaves `left` tokens of the task's budget (whatever was asked)."""
        def step(request: ModelRequest) -> ModelResponse:
            spent = sum(r.thinking for r in spends)
            spends.append(Spend(budget - left - spent))
            return view("shop/tax.py", thinking=spends[-1].thinking)(request)
        return step

    spends: list[Spend] = []
    model = ScriptedModel([spend_all_but(1200), spend_all_but(500)] + [done] * 6)
    outcome = _run(repo, model, budget=budget, max_iterations=1)
    budgets = [r.thinking_budget for r in model.requests]
    assert budgets[0] > 1200  # the first edit's planned share
    assert budgets[1:4] == [1200, 0, 0]  # drops mid-turn to what is left, then to none under the 1024 minimum
    notes = [b.text for b in model.requests[2].messages[-1].content if b.type == "text"]
    assert any("thinking budget of this task is spent" in n for n in notes)
    assert outcome.report.spent.thinking_tokens == budget - 500


def test_old_tool_output_is_trimmed_to_fit_the_context_window(tmp_path: Path) -> None:
    repo = _repo(tmp_path, '[loop]\nflaky_reruns = 0\n[model.capabilities."anthropic:claude-sonnet-4-5"]\n'
                           "context_window = 30000\n")
    (repo / "shop" / "big.py").write_text("".join(f"VALUE_{n} = {n}  # padding to fill the window\n"
                                                  for n in range(1600)))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "big")
    model = ScriptedModel([view("shop/big.py"), view("shop/big.py")] + [done] * 6)
    _run(repo, model, budget=0, max_iterations=1)
    first_output = model.requests[1].messages[2].content[0]
    assert first_output.type == "tool_result" and first_output.content != TRIMMED
    trimmed = model.requests[2].messages[2].content[0]
    assert trimmed.content == TRIMMED  # the oldest output went first
    assert model.requests[2].messages[4].content[0].content != TRIMMED  # the newest stays whole
    assert model.requests[2].system == model.requests[0].system  # the cached prefix is never touched


def test_billed_attempts_of_a_failed_call_are_counted(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "[loop]\nflaky_reruns = 0\n")

    def unavailable(request: ModelRequest) -> ModelResponse:
        err = ProviderUnavailableError("anthropic overloaded after 4 retries", "try again later")
        err.attempts_usage = [Usage(700, 30, incomplete=True), Usage(700, 0)]  # type: ignore[attr-defined]
        raise err

    outcome = _run(repo, ScriptedModel([unavailable]), budget=0)
    report = outcome.report
    assert report.status == "error" and "overloaded" in report.remaining
    assert (report.spent.input_tokens, report.spent.output_tokens) == (1400, 30)
    assert report.cost_usd > 0


def test_a_failed_rating_call_is_billed_and_the_run_goes_on_with_the_formulas_plan(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "[loop]\nflaky_reruns = 0\n[budget]\nrefine_difficulty = true\n")

    def unavailable(request: ModelRequest) -> ModelResponse:
        assert request.thinking_budget == 0 and not request.tools  # the rating call: no thinking, no tools
        err = ProviderUnavailableError("anthropic overloaded after 2 retries", "try again later")
        err.attempts_usage = [Usage(300, 0, incomplete=True)]  # type: ignore[attr-defined]
        raise err

    model = ScriptedModel([unavailable] + [done] * 6)
    outcome = _run(repo, model, budget=0, max_iterations=1)  # config turns the refinement on
    report = outcome.report
    assert report.status == "max_iterations"  # the run went on: edits were tried and tests ran
    assert any("difficulty rating call failed (anthropic overloaded" in line for line in report.tried)
    assert report.spent.input_tokens == 300 + 1000 * (len(model.requests) - 1)
    assert "model_rating" not in json.loads((Path(report.run_dir) / "plan.json").read_text())["task_signals"]


def test_setup_command_runs_before_the_loop_and_its_failure_is_a_clear_error(tmp_path: Path) -> None:
    repo = _repo(tmp_path, '[loop]\nflaky_reruns = 0\n[tests]\nsetup_command = "touch setup-ran"\n')
    model = ScriptedModel([done] * 6)
    outcome = _run(repo, model, budget=0, max_iterations=1)
    assert (Path(outcome.report.run_dir).parent.parent / "worktrees" / outcome.report.run_id / "setup-ran").is_file()
    (repo / ".dial.toml").write_text('[tests]\nsetup_command = "false"\n')
    git(repo, "commit", "-qam", "bad setup")
    try:
        _run(repo, ScriptedModel([]), budget=0)
    except DialError as err:
        assert "setup command `false` failed" in err.problem and "setup_command" in err.fix
    else:
        raise AssertionError("a failing setup command must stop the run")


def test_an_empty_answer_keeps_the_conversation_valid(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "[loop]\nflaky_reruns = 0\n")

    def empty(request: ModelRequest) -> ModelResponse:
        return ModelResponse([], "end_turn", Usage(900, 1), MODEL)

    model = ScriptedModel([empty] + [done] * 6)
    _run(repo, model, budget=0, max_iterations=1)
    assistant = model.requests[1].messages[1]
    assert assistant.role == "assistant" and assistant.content and assistant.content[0].text

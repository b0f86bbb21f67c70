"""The optional refinement of the difficulty estimate by one cheap model call with no thinking.

The formula (agent.plan.difficulty) sees only signals that exist before any model call; a model reading the
task and the planned sites can judge what the formula cannot (is this a one-line guard or a redesign?). The
call asks for one digit on the scale human annotators use for SWE-bench (1: under 15 minutes for an
experienced engineer, 2: 15 minutes to an hour, 3: one to four hours, 4: more), with thinking off and a few
output tokens, so it costs a small fraction of one edit's call.

Blend: z = (1 - MODEL_SHARE) * z_formula + MODEL_SHARE * RATING_Z[rating], on the formula's scale (z has unit
spread over the tune half of bench/swebench_bench.py); RATING_Z puts each rating at the normal quantile of the
middle of its label's share of that half (37.4 % under 15 minutes, 53.8 % to an hour, 8.7 % one to four hours;
no label over four hours there, so 4 sits at the 99th percentile). Every edit's z
moves by the task's shift, so the edits keep their order; the budget is then split again. MODEL_SHARE is not
measured here (no model is reachable from this machine): `python bench/swebench_bench.py --refine MODEL`
measures it with a real provider.
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any, Callable, Sequence

from agent.plan.budget import split_budget
from agent.plan.difficulty import logistic
from agent.plan.types import Plan

MODEL_SHARE = 0.5
RATING_Z = {1: -0.89, 2: 0.37, 3: 1.71, 4: 2.33}
ANSWER_TOKENS = 16  # one digit; a little room for a model that repeats the question
RATED_SITES = 8  # the planner's best sites shown to the model
TASK_CHARS = 12000  # a longer task is cut in the middle: the title and the traceback or question at the end stay
FAILURE_CHARS = 4000
_DIGIT = re.compile(r"(?<![\d.])([1-4])(?![\d.])")


def parse_rating(text: str) -> int | None:
    """The first digit 1-4 standing alone in the answer; None when there is none."""
    match = _DIGIT.search(text or "")
    return int(match.group(1)) if match else None


def clip(text: str, limit: int) -> str:
    """`text`, or its first third and last two thirds of `limit` characters around a cut mark."""
    if len(text) <= limit:
        return text
    head = limit // 3
    return text[:head] + "\n[... cut ...]\n" + text[-(limit - head):]


def prompt_variables(task: str, failures: str, sites: Sequence[Any]) -> dict[str, Any]:
    """What `prompts/difficulty.j2` is rendered with."""
    return {"task": clip(task, TASK_CHARS), "failures": clip(failures, FAILURE_CHARS),
            "sites": list(sites[:RATED_SITES])}


def rating_request(render: Callable[..., str], task: str, failures: str, sites: Sequence[Any]) -> Any:
    """The rating call: `prompts/difficulty.j2` rendered by `render` (Prompts.render) alone, no system prompt
    (it shares no cache with the run's conversation), no tools, thinking off, a few output tokens."""
    from agent.models.types import Message, ModelRequest  # the provider layer, imported when used

    prompt = render("difficulty", **prompt_variables(task, failures, sites))
    return ModelRequest(system="", messages=[Message.user(prompt)], tools=[], thinking_budget=0,
                        max_tokens=ANSWER_TOKENS)


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def blended(formula: float, rating: int) -> float:
    """The task difficulty after the model's rating (both in (0, 1))."""
    return logistic((1 - MODEL_SHARE) * logit(formula) + MODEL_SHARE * RATING_Z[rating])


def apply_rating(plan: Plan, rating: int, caps: Any, reserve_fraction: float) -> Plan:
    """A copy of `plan` with the rating blended into every difficulty and the thinking budget split again."""
    task = blended(plan.difficulty, rating)
    shift = logit(task) - logit(plan.difficulty)
    diffs = [logistic(logit(e.difficulty) + shift) for e in plan.edits]
    split = split_budget(plan.budget, diffs, task, caps, reserve_fraction)
    edits = [dataclasses.replace(e, difficulty=d, thinking_budget=share)
             for e, d, share in zip(plan.edits, diffs, split.shares)]
    notes = [n for n in plan.notes if n not in split.notes] + list(split.notes)
    notes.append(f"difficulty refined by one model call: rating {rating} of 4, "
                 f"{plan.difficulty:.2f} from the formula -> {task:.2f}")
    signals = {**plan.task_signals, "formula_difficulty": plan.difficulty, "model_rating": rating,
               "spendable": split.spendable}
    return dataclasses.replace(plan, edits=edits, difficulty=task, reserve=split.reserve, task_signals=signals,
                               notes=notes)

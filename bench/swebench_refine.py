"""`bench/swebench_bench.py --refine MODEL`: the optional model refinement of the difficulty, measured.

One rating call per labelled issue (prompts/difficulty.j2, thinking off, 16 output tokens; about 600 input
tokens an issue by the 4-characters-a-token estimate, 0.24 M for the 378 labelled issues), exactly as
`dial run --refine-difficulty` makes it. Ratings are cached in the results file, so a second run costs nothing. Prints the Spearman correlation of
the model's rating alone, of the formula, and of the blend at MODEL_SHARE, per half; and the blend share that
is best on the tune half, with its held-out value. Needs the provider's key (ANTHROPIC_API_KEY, ...): it is
the one benchmark that calls a model, and it is opt-in.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Callable

from agent.plan.types import Site


def _sites(result: dict[str, Any]) -> list[Site]:
    return [Site(s["path"], s["symbol"], s["start_line"], s["end_line"], s["score"]) for s in result["sites"]]


def rate(results: list[dict[str, Any]], rows: dict[str, dict[str, Any]], model_name: str, cache: Path,
         model_factory: Callable[..., Any] | None = None) -> None:
    """Ask `model_name` for a rating of every labelled issue that has none yet; saves after each answer."""
    from agent.config import load_config
    from agent.execute.prompts import Prompts
    from agent.models import make_model
    from agent.plan.refine import parse_rating, rating_request

    if any("sites" not in r for r in results):
        raise SystemExit("the results file predates --refine: run once without --reuse to store the sites")
    model = (model_factory or make_model)(model_name, load_config(None))
    prompts = Prompts()
    todo = [r for r in results if r["label"] is not None and model_name not in r.get("ratings", {})]
    for n, r in enumerate(todo, start=1):
        text = rows[r["instance_id"]]["problem_statement"]
        request = rating_request(prompts.render, text, "", _sites(r))
        answer = model.complete(request).message().text()
        r.setdefault("ratings", {})[model_name] = parse_rating(answer)
        if n % 20 == 0 or n == len(todo):
            cache.write_text(json.dumps(results))
            print(f"  rated {n}/{len(todo)}", file=sys.stderr, flush=True)


def report(results: list[dict[str, Any]], model_name: str, spearman: Callable[[list[float], list[float]], float]
           ) -> None:
    from agent.plan.refine import MODEL_SHARE, RATING_Z, logit

    def blend(r: dict[str, Any], share: float) -> float:
        rating = r.get("ratings", {}).get(model_name)
        z = logit(r["difficulty"])
        return z if rating is None else (1 - share) * z + share * RATING_Z[rating]

    def rho(which: str, value: Callable[[dict[str, Any]], float]) -> float:
        rows = [r for r in results if r["label"] is not None and (which == "all" or r["half"] == which)]
        return round(spearman([value(r) for r in rows], [r["label"] for r in rows]), 3)

    rated = [r for r in results if r.get("ratings", {}).get(model_name) is not None]
    print(f"\nmodel refinement with {model_name}: {len(rated)} issues rated")
    best = max((s / 10 for s in range(11)), key=lambda s: rho("tune", lambda r: blend(r, s)))
    print("| half | rating alone | formula | blend at MODEL_SHARE "
          f"{MODEL_SHARE} | blend at the tune half's best share {best} |")
    print("|---|---|---|---|---|")
    for which in ("tune", "report", "all"):
        alone = rho(which, lambda r: RATING_Z.get(r.get("ratings", {}).get(model_name) or 0, 0.0))
        print(f"| {which} | {alone} | {rho(which, lambda r: logit(r['difficulty']))} | "
              f"{rho(which, lambda r: blend(r, MODEL_SHARE))} | {rho(which, lambda r: blend(r, best))} |")

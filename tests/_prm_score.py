"""Scoring a PRM trace in-process with the symbolic backend: the same two halves the server runs (the
worker's `analyse`, then `grade` on the event loop), without a pool, for tests that score thousands of
generated traces."""

from __future__ import annotations

from typing import Any

from veriward.models import Verdict
from veriward.verifiers.prm._aggregate import Aggregation
from veriward.verifiers.prm._analyse import Request, analyse
from veriward.verifiers.prm._grade import grade, step_scores

AGGREGATIONS: list[Aggregation] = ["min", "product", "mean", "last"]


def analysed(
    steps: list[str] | None, response: str = "", problem: str = "", answer: str | None = None
) -> Any:
    return analyse(Request(response, steps, "auto", problem, answer, True, 0.8))


def rewards(analysis: Any, max_steps: int = 64) -> dict[str, tuple[float, str, int]]:
    """Per aggregation: (reward, verdict, first error step) of an analysis."""
    if analysis.invalid or analysis.timeout or analysis.error:
        return {how: (0.0, "invalid", -1) for how in AGGREGATIONS}
    scores = step_scores(analysis.verdicts, {}, 0.5)
    out = {}
    for how in AGGREGATIONS:
        res = grade(
            analysis, scores, models=False, aggregation=how, threshold=0.5, max_steps=max_steps, extra={}
        )
        out[how] = (res.score, res.verdict.value, int(res.details["first_error_step"]))
    return out


def score(
    steps: list[str] | None,
    how: Aggregation = "min",
    response: str = "",
    problem: str = "",
    answer: str | None = None,
) -> float:
    return rewards(analysed(steps, response, problem, answer))[how][0]


def verdict(steps: list[str], answer: str | None = None) -> Verdict:
    return Verdict(rewards(analysed(steps, answer=answer))["min"][1])

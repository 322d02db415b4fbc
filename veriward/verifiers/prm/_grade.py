"""From the worker's analysis and the models' scores to the result: step scores, roles, reward, first
error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from veriward.verifiers.base import Outcome
from veriward.verifiers.prm._aggregate import Aggregation, reward
from veriward.verifiers.prm._analyse import Analysis
from veriward.verifiers.prm._claims import StepVerdict
from veriward.verifiers.prm._dedupe import PROBLEM

MAX_TEXT = 2000  # characters of a step's text echoed in the details


def step_scores(
    verdicts: Sequence[StepVerdict], models: dict[str, list[float]], unknown_score: float
) -> list[float]:
    """One score per step: the mean of the models' scores (else the symbolic verdict: 1 verified,
    `unknown_score` neutral); a false claim vetoes the step (0) whatever the models say."""
    out = []
    for i, verdict in enumerate(verdicts):
        if verdict == "false":
            out.append(0.0)
        elif models:
            out.append(sum(m[i] for m in models.values()) / len(models))
        else:
            out.append(1.0 if verdict == "verified" else unknown_score)
    return out


def padding(analysis: Analysis, max_steps: int) -> list[str]:
    """Per step, why it is padding (adds nothing a model should be paid for), or ""."""
    out = []
    for i, check in enumerate(analysis.checks):
        dup = analysis.duplicates[i]
        if dup == PROBLEM:
            out.append("repeats the problem")
        elif dup is not None:
            out.append("repeats an earlier step")
        elif analysis.restated[i]:
            out.append("restates claims already established")
        elif not check.claims and check.tautologies:
            out.append("states only tautologies")
        elif i >= max_steps:
            out.append("past max_steps")
        else:
            out.append("")
    return out


def grade(
    analysis: Analysis,
    scores: Sequence[float],
    *,
    models: bool,
    aggregation: Aggregation,
    threshold: float,
    max_steps: int,
    extra: dict[str, Any],
) -> Outcome:
    """`incorrect` with the first wrong step (a false claim, or a score below `threshold`), else `correct`;
    the score is the reward (see `_aggregate`)."""
    verdicts = analysis.verdicts
    why = padding(analysis, max_steps)
    counted = [v == "false" or (models and not why[i]) for i, v in enumerate(verdicts)]
    score, entered = reward(scores, counted, aggregation)
    wrong = [s < threshold or v == "false" for s, v in zip(scores, verdicts, strict=True)]
    first = next((i for i, bad in enumerate(wrong) if bad), -1)
    steps = []
    for i, text in enumerate(analysis.steps):
        entry: dict[str, Any] = {
            "index": i,
            "text": text[:MAX_TEXT],
            "score": round(scores[i], 6),
            "verdict": verdicts[i],
            "checks": analysis.checks[i].as_checks(),
            "counted": entered[i],
        }
        if analysis.duplicates[i] is not None:
            entry["duplicate_of"] = analysis.duplicates[i]
        if why[i]:
            entry["padding"] = why[i]
        steps.append(entry)
    details = {"steps": steps, "first_error_step": first, "aggregation": aggregation, **extra}
    if analysis.answer_step >= 0:
        details["answer_step"] = analysis.answer_step
    if first >= 0:
        return Outcome.incorrect(f"step {first} judged wrong (score {scores[first]:.3f})", score, **details)
    unchecked = sum(1 for v in verdicts if v == "neutral") if not models else 0
    note = f"; {unchecked} of {len(verdicts)} steps had nothing verified" if unchecked else ""
    return Outcome.correct(f"no step judged wrong{note}", score, **details)

"""Everything the PRM scorer does with the text, in one call that runs in a killable pool worker: splitting,
reading and checking claims, finding repeats, and the gold-answer check (by the math scorer, called in the
same worker). Nothing here runs on the server's event loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from veriward.models import Verdict
from veriward.verifiers._markers import strip_end_markers
from veriward.verifiers.prm._claims import Claim, StepCheck, StepVerdict
from veriward.verifiers.prm._dedupe import find_duplicates
from veriward.verifiers.prm._split import SplitMode, split_steps
from veriward.verifiers.prm._symbolic import TooManyClaims, check_steps
from veriward.verifiers.prm._text import safe

MAX_STEPS_SCORED = 512  # a response split into more steps is `invalid`
MAX_STEP_CHARS = 20_000  # a longer step is `invalid` (fifteen times the longest ProcessBench step)
MAX_TRACE_CHARS = 200_000  # likewise a longer solution, decided before anything is read
ANSWER_SCAN = 16  # steps read back from the end to find where the final answer is stated


@dataclass
class Request:
    response: str
    steps: list[str] | None
    split: SplitMode
    problem: str
    answer: str | None
    symbolic: bool
    dedupe_threshold: float


@dataclass
class Analysis:
    steps: list[str] = field(default_factory=list)
    checks: list[StepCheck] = field(default_factory=list)
    duplicates: list[int | None] = field(default_factory=list)
    restated: list[bool] = field(default_factory=list)
    answer_step: int = -1  # the step the gold-answer check is bound to (-1: no reference)
    invalid: str = ""  # why nothing can be graded
    timeout: str = ""  # the worker ran out of memory
    error: str = ""  # the math scorer failed (infrastructure)

    @property
    def verdicts(self) -> list[StepVerdict]:
        return [c.verdict for c in self.checks]


def restated(checks: list[StepCheck]) -> list[bool]:
    """Per step, whether its claims were all already established (true) by earlier steps, compared in
    canonical form (operands of `+`/`*` in any order, any digit script, any LaTeX spelling)."""
    known: set[str] = set()
    out = []
    for step in checks:
        keys = [c.key for c in step.claims]
        out.append(bool(keys) and all(c.result == "true" and c.key in known for c in step.claims))
        known |= {c.key for c in step.claims if c.result == "true" and c.key}
    return out


def analyse(req: Request) -> Analysis:
    """The worker's half of a PRM request (see the module docstring)."""
    try:
        return _analyse(req)
    except MemoryError:
        return Analysis(timeout="memory budget exhausted while reading the steps")
    except RecursionError:  # every reader bounds its depth; kept so that no input can make this `error`
        return Analysis(invalid="input nested too deeply to read")


def _analyse(req: Request) -> Analysis:
    size = sum(len(s) for s in req.steps) if req.steps is not None else len(req.response)
    if size > MAX_TRACE_CHARS:
        return Analysis(invalid=f"the solution has {size} characters; at most {MAX_TRACE_CHARS} are graded")
    if req.steps is not None:
        steps = [safe(s) for s in req.steps if s.strip()]
    else:
        steps = split_steps(safe(strip_end_markers(req.response)), req.split)
    if not steps:
        return Analysis(invalid="no steps to grade")
    if len(steps) > MAX_STEPS_SCORED:
        return Analysis(invalid=f"{len(steps)} steps; at most {MAX_STEPS_SCORED} are graded")
    longest = max(len(s) for s in steps)
    if longest > MAX_STEP_CHARS:
        return Analysis(invalid=f"a step has {longest} characters; at most {MAX_STEP_CHARS} are graded")
    problem = safe(req.problem)
    out = Analysis(steps=steps)
    out.duplicates = find_duplicates(steps, req.dedupe_threshold, problem)
    # Steps that another step repeats (both of each pair): their values are not trusted alone.
    repeated = {d for d in out.duplicates if d is not None and d >= 0}
    repeated |= {i for i, d in enumerate(out.duplicates) if d is not None and d >= 0}
    try:
        out.checks = check_steps(steps, problem, repeated) if req.symbolic else [StepCheck() for _ in steps]
    except TooManyClaims as exc:
        return Analysis(invalid=str(exc))
    out.restated = restated(out.checks)
    if req.answer is not None:
        try:
            found = final_answer(steps, safe(req.answer), out.duplicates)
        except TimeoutError as exc:  # the math scorer ran out of its own budget: undecided, not a guess
            out.timeout = f"final-answer check: {exc}"
            return out
        except Exception as exc:  # the math scorer failed: infrastructure, never a guess
            out.error = f"final-answer check failed: {type(exc).__name__}: {str(exc)[:200]}"
            return out
        out.answer_step = found.step
        out.checks[found.step].claims.append(found.claim)
    return out


class AnswerCheck(NamedTuple):
    """The gold-answer check and the step it is bound to."""

    step: int
    claim: Claim


def final_answer(steps: list[str], answer: str, duplicates: list[int | None]) -> AnswerCheck:
    """The gold-answer check (the math scorer on the whole solution) and the step it binds to: the step
    that states the final answer, moved back over the steps just before it that state the same answer and
    over verbatim or reworded repeats, so that repeating the answer can never move the check."""
    from veriward._worker import scorer  # this process's math scorer (the pool worker's own)

    math: Any = scorer("math")
    ref = math.parse_reference(answer)
    opts = math.parse_options({})
    whole = math.check("\n\n".join(steps), ref, opts)
    if whole.verdict == Verdict.TIMEOUT:
        raise TimeoutError(whole.reason)
    if whole.verdict == Verdict.ERROR:
        raise RuntimeError(whole.reason)
    extracted = whole.details.get("extracted")
    at, found = len(steps) - 1, False
    for i in _back(len(steps)) if extracted is not None else ():
        stated = _states(math, steps[i], ref, opts, extracted)
        if not found and stated:
            at, found = i, True
        elif found and stated and i == at - 1:
            at = i
        elif found:
            break
    while (dup := duplicates[at]) is not None and dup >= 0:
        at = dup
    ok = whole.verdict == Verdict.CORRECT
    reason = whole.reason if extracted is not None else "no final answer found"
    claim = Claim("final answer matches the reference", "true" if ok else "false", "final_answer", reason)
    return AnswerCheck(at, claim)


def _back(n: int) -> range:
    return range(n - 1, max(-1, n - 1 - ANSWER_SCAN), -1)


def _states(math: Any, step: str, ref: Any, opts: Any, extracted: Any) -> bool:
    got = math.check(step, ref, opts)
    return bool(got.details.get("extracted") == extracted)

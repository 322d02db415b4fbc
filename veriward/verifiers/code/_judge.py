"""Special judges (`reference.checker`): a trusted checker decides the tests that many outputs pass.

The checker runs in a sandbox job of its own, started after the candidate's job has ended, so the
candidate can never reach it, and the expected answers it needs never enter the candidate's sandbox. Each
test the candidate's program completed (a clean exit, or a returned value) is judged in its own process:
a Python `check(input, output, expected)` returning a bool or a score in [0, 1], or a testlib-style
program run as `checker input output answer` (exit code 0 = accepted). A checker that raises, crashes,
runs out of time or says anything else fails that test; only the judge's sandbox failing is `error`.
"""

from __future__ import annotations

import json
from typing import Any

from veriward.sandbox import RunResult, Sandbox
from veriward.verifiers.base import Outcome
from veriward.verifiers.code import _limits
from veriward.verifiers.code._compare import parse_record
from veriward.verifiers.code._driver import runner_argv
from veriward.verifiers.code._languages import PYTHON
from veriward.verifiers.code._reference import CodeReference
from veriward.verifiers.code._verdict import Judged, candidate_value, cut_off, runner_records, stdio_failure


def reserve_s(ref: CodeReference, remaining_s: float) -> float:
    """Seconds of the budget kept for the checker's job while the candidate's runs (none without one)."""
    if ref.checker is None:
        return 0.0
    per_test = ref.checker.time_limit_s + _limits.CLEANUP_S
    return min(_limits.JUDGE_SHARE * remaining_s, ref.n_tests * per_test + _limits.OVERHEAD_S)


def judge_items(ref: CodeReference, run: RunResult) -> list[tuple[int, dict[str, Any]]]:
    """(test index, {input, output, expected}) of each test whose output the checker should see."""
    _, records, _ = runner_records(run)
    items: list[tuple[int, dict[str, Any]]] = []
    for i in range(ref.n_tests):
        rec = records.get(i)
        if rec is None or rec.get("status") != "ran":
            continue
        if ref.stdio is not None:
            if stdio_failure(rec) is None:
                test = ref.stdio[i]
                items.append(
                    (i, {"input": test.input, "output": str(rec.get("stdout", "")), "expected": test.output})
                )
        elif ref.cases is not None and candidate_value(rec)[0] == "ok":
            value = (parse_record(str(rec.get("result", ""))) or {}).get("value")
            case = ref.cases[i]
            items.append((i, {"input": case.args, "output": value, "expected": case.expected}))
    return items


def _judgements(run: RunResult, order: list[int]) -> dict[int, Judged] | Outcome:
    ready, records, done = runner_records(run)
    killed = cut_off(run, done)
    if not ready or killed is not None:
        return Outcome.error(f"the checker's sandbox failed: {killed or 'its runner did not start'}")
    out: dict[int, Judged] = {}
    for k, i in enumerate(order):
        rec = records.get(k)
        if rec is None or rec.get("status") != "ran":
            why = "the checker ran over its time limit" if rec and rec.get("status") == "timeout" else ""
            out[i] = Judged(0.0, why or "the checker did not finish")
            continue
        result = parse_record(str(rec.get("result", ""))) or {}
        score: Any = result.get("score")
        if type(score) not in (int, float) or not 0.0 <= score <= 1.0:
            out[i] = Judged(0.0, "the checker crashed")
            continue
        out[i] = Judged(float(score), str(result.get("excerpt", ""))[:300])
    return out


async def run_checker(
    sandbox: Sandbox, ref: CodeReference, run: RunResult, remaining_s: float
) -> dict[int, Judged] | Outcome:
    """The checker's verdict on every judgeable test of `run`, or an `error`/`timeout` Outcome."""
    assert ref.checker is not None
    items = judge_items(ref, run)
    if not items:
        return {}
    checker = ref.checker
    wall = min(_limits.job_wall_s(PYTHON, len(items), checker.time_limit_s), remaining_s)
    if wall < _limits.MIN_JUDGE_S:
        return Outcome.timeout("no time left in the request budget to run the checker")
    spec = {
        "mode": "judge",
        "checker": checker.source,
        "style": checker.style,
        "output_kind": "text" if ref.stdio is not None else "value",
        "tests": [item for _, item in items],
        **_limits.runner_limits(PYTHON, checker.time_limit_s, ref.memory_limit_mb, wall - _limits.REPORT_S),
    }
    limits = _limits.job_limits(PYTHON, ref.memory_limit_mb, wall)
    result = await sandbox.run(runner_argv(PYTHON), files={}, stdin=json.dumps(spec).encode(), limits=limits)
    return _judgements(result, [i for i, _ in items])

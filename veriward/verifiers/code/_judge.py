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

from veriward.sandbox import Limits, RunResult, Sandbox
from veriward.verifiers.base import Outcome
from veriward.verifiers.code._compare import parse_record
from veriward.verifiers.code._python import ARGV, limits_spec
from veriward.verifiers.code._reference import CodeReference
from veriward.verifiers.code._verdict import Judged, candidate_value, cut_off, driver_records, stdio_failure

_OVERHEAD_S = 5.0
_REPORT_S = 1.0


def reserve_s(ref: CodeReference, remaining_s: float) -> float:
    """Seconds of the budget kept for the checker's job while the candidate's runs (none without one)."""
    if ref.checker is None:
        return 0.0
    return min(0.25 * remaining_s, ref.n_tests * (ref.checker.time_limit_s + 0.25) + _OVERHEAD_S)


def judge_items(ref: CodeReference, run: RunResult) -> list[tuple[int, dict[str, Any]]]:
    """(test index, {input, output, expected}) of each test whose output the checker should see."""
    _, records, _ = driver_records(run)
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
    ready, records, done = driver_records(run)
    killed = cut_off(run, done)
    if not ready or killed is not None:
        return Outcome.error(f"the checker's sandbox failed: {killed or 'its driver did not start'}")
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
    wanted = len(items) * (2 * checker.time_limit_s + 1.25) + _OVERHEAD_S
    wall = min(wanted, remaining_s)
    if wall < 1.0:
        return Outcome.timeout("no time left in the request budget to run the checker")
    judge_ref = ref.model_copy(update={"time_limit_s": checker.time_limit_s})
    nproc = 64 if sandbox.name == "process" else None
    spec = {
        "mode": "judge",
        "checker": checker.source,
        "style": checker.style,
        "output_kind": "text" if ref.stdio is not None else "value",
        "tests": [item for _, item in items],
        **limits_spec(judge_ref, wall - _REPORT_S, nproc),
    }
    limits = Limits(wall_s=wall, memory_mb=2 * ref.memory_limit_mb + 64, pids=64, max_output_bytes=8 << 20)
    result = await sandbox.run(list(ARGV), files={}, stdin=json.dumps(spec).encode(), limits=limits)
    return _judgements(result, [i for i, _ in items])

"""From the runner's records to a verdict: every decision is made here, outside the sandbox.

What a test's process sent is the candidate's: whatever cannot be decoded fails that test. Only the
runner's own records (ready, done, the checker's infrastructure reports) can make a run `error`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from veriward import metrics
from veriward.sandbox import RunResult
from veriward.verifiers.base import Outcome
from veriward.verifiers.code._compare import (
    BadValue,
    decode,
    parse_record,
    short_repr,
    stdio_equal,
    values_equal,
)
from veriward.verifiers.code._reference import CodeReference

_EXCERPT = 300


@dataclass(frozen=True)
class Judged:
    """A special judge's verdict on one test: a score in [0, 1] and what it said."""

    score: float
    excerpt: str = ""


def _short(text: Any, limit: int = _EXCERPT) -> str:
    s = str(text or "")
    return s if len(s) <= limit else s[:limit] + "..."


def runner_records(run: RunResult) -> tuple[bool, dict[int, dict[str, Any]], bool]:
    """(runner started, per-test records by index, runner finished) from the job's stdout."""
    ready = done = False
    records: dict[int, dict[str, Any]] = {}
    for line in run.stdout.decode("utf-8", "replace").splitlines():
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError):
            continue
        if not isinstance(rec, dict):
            continue
        if rec.get("ready") is True:
            ready = True
        elif rec.get("done") is True:
            done = True
        elif type(rec.get("test")) is int:
            records.setdefault(rec["test"], rec)
    return ready, records, done


def candidate_value(rec: dict[str, Any]) -> tuple[str, Any, str]:
    """("ok" | "fail" | "error", the decoded value, why not) of a function-call test's result record.

    "error" is a test that raised or returned what cannot be sent (a per-test status; never the verdict).
    """
    result = parse_record(str(rec.get("result", "")))
    if result is None:
        return "fail", None, "no result record (the process exited or crashed early)"
    if "value" in result:
        try:
            return "ok", decode(result["value"]), ""
        except BadValue as exc:
            return "fail", None, f"malformed result: {exc}"
    if "unencodable" in result:
        return "error", None, _short(result["unencodable"])
    if "exc" in result:
        return "error", None, _short(f"{result['exc']}: {result.get('msg', '')}")
    return "fail", None, "unrecognised result record"


def _from_judge(judged: dict[int, Judged], i: int) -> dict[str, Any]:
    if i not in judged:
        return {"status": "fail", "excerpt": "the checker gave no verdict"}
    j = judged[i]
    return {"status": "pass" if j.score >= 1.0 else "fail", "excerpt": _short(j.excerpt), "score": j.score}


def _judge_case(
    rec: dict[str, Any], ref: CodeReference, i: int, judged: dict[int, Judged] | None
) -> dict[str, Any]:
    state, got, why = candidate_value(rec)
    if state != "ok":
        return {"status": state, "excerpt": why}
    if judged is not None:
        return _from_judge(judged, i)
    assert ref.cases is not None
    case = ref.cases[i]
    tol = case.float_tolerance if case.float_tolerance is not None else ref.float_tolerance
    passed = any(values_equal(got, want, tol, ref.compare) for want in (case.expected, *case.also))
    return {"status": "pass" if passed else "fail", "excerpt": "" if passed else f"got {short_repr(got)}"}


def stdio_failure(rec: dict[str, Any]) -> dict[str, Any] | None:
    """Why a stdin/stdout test failed before its output is compared (too much output, a bad exit)."""
    if rec.get("stdout_truncated"):
        return {"status": "fail", "excerpt": "output over the size limit"}
    if rec.get("exit_code") != 0:
        return {
            "status": "error",
            "excerpt": _short(rec.get("stderr")) or f"exit code {rec.get('exit_code')}",
        }
    return None


def _judge_stdio(
    rec: dict[str, Any], ref: CodeReference, i: int, judged: dict[int, Judged] | None
) -> dict[str, Any]:
    assert ref.stdio is not None
    bad = stdio_failure(rec)
    if bad is not None:
        return bad
    if judged is not None:
        return _from_judge(judged, i)
    out = str(rec.get("stdout", ""))
    if stdio_equal(out, ref.stdio[i].output, ref.float_tolerance):
        return {"status": "pass", "excerpt": ""}
    return {"status": "fail", "excerpt": f"got {_short(out, 200)!r}"}


def _judge_checker(rec: dict[str, Any]) -> dict[str, Any]:
    result = parse_record(str(rec.get("result", "")))
    if result is None or result.get("status") not in ("pass", "fail"):
        return {"status": "fail", "excerpt": "no result from the checker (the process exited or crashed)"}
    ok = result["status"] == "pass"
    return {"status": "pass" if ok else "fail", "excerpt": _short(result.get("excerpt"))}


def _judge_ran(
    rec: dict[str, Any], ref: CodeReference, i: int, judged: dict[int, Judged] | None
) -> dict[str, Any]:
    if ref.stdio is not None:
        return _judge_stdio(rec, ref, i, judged)
    if ref.cases is not None:
        return _judge_case(rec, ref, i, judged)
    return _judge_checker(rec)


def judge_test(
    rec: dict[str, Any] | None,
    ref: CodeReference,
    i: int,
    run: RunResult,
    judged: dict[int, Judged] | None = None,
) -> dict[str, Any]:
    """One test's status (pass/fail/error/timeout), score and a short excerpt of what happened."""
    if rec is None:
        status = "timeout" if run.timed_out else "fail"
        why = "not run: the submission's budget ran out" if run.timed_out else ""
        return {"status": status, "excerpt": why, "score": 0.0}
    if rec.get("status") == "timeout":
        why = "the request budget ran out" if rec.get("budget") else f"over the {ref.time_limit_s:g} s limit"
        return {"status": "timeout", "excerpt": why, "time_s": rec.get("time_s"), "score": 0.0}
    if rec.get("status") == "memory":
        why = f"System V shared memory over the {ref.memory_limit_mb} MB memory limit"
        return {"status": "fail", "excerpt": why, "time_s": rec.get("time_s"), "score": 0.0}
    try:
        res = _judge_ran(rec, ref, i, judged)
    except (BadValue, RecursionError, ValueError, TypeError, ArithmeticError) as exc:
        res = {"status": "fail", "excerpt": f"malformed result: {type(exc).__name__}"}
    if ref.stdio is None and res["status"] != "pass" and rec.get("stderr"):
        res["excerpt"] = _short(f"{res['excerpt']} | stderr: {rec['stderr']}")
    res.setdefault("score", 1.0 if res["status"] == "pass" else 0.0)
    res["time_s"] = rec.get("time_s")
    return res


def cut_off(run: RunResult, done: bool) -> str | None:
    """Why the run was killed from outside the sandbox before the runner finished, or None.

    The runner is pid 1 of its sandbox and installs no handler for any fatal signal, so nothing inside
    the sandbox can kill it (`kill -1` spares pid 1, and SIGKILL from inside its pid namespace is
    ignored). A runner that died by a signal (the job's exit code is None, or a shell-style 128 + n
    from Docker or bubblewrap) with no timeout and no OOM kill was therefore killed from outside:
    `docker kill`, the engine restarting, the host. A runner that exited by itself without `done` is
    not cut off: the tests it did not run fail, so a candidate cannot turn its own failure into `error`.
    """
    if done or run.timed_out or run.oom_killed:
        return None
    if run.exit_code is None:
        return "the sandbox was killed by a signal from outside"
    if run.exit_code > 128:
        return f"the sandbox was killed from outside (exit code {run.exit_code}, no OOM kill, no timeout)"
    return None


def infra_failure(records: dict[int, dict[str, Any]]) -> str | None:
    """A checker's report that the sandbox lacks what it needs (pytest missing), or None."""
    for rec in records.values():
        result = parse_record(str(rec.get("result", ""))) if "result" in rec else None
        if result is not None and isinstance(result.get("infra"), str):
            return result["infra"]
    return None


def outcome(
    run: RunResult, ref: CodeReference, budget_s: float, judged: dict[int, Judged] | None = None
) -> Outcome:
    """Score = the tests' mean score; the budget running out before every test ran is a `timeout`."""
    ready, records, done = runner_records(run)
    details: dict[str, Any] = {"backend": run.backend, "wall_s": round(run.wall_s, 3)}
    if not ready:
        err = run.stderr.decode("utf-8", "replace").strip().splitlines()
        why = "timed out" if run.timed_out else (err[-1] if err else f"exit code {run.exit_code}")
        return Outcome.error(f"the sandbox runner did not start: {_short(why, 200)}", **details)
    killed = cut_off(run, done)
    if killed is not None:
        metrics.sandbox_failure(run.backend or "unknown", "cut_off")
        return Outcome.error(
            f"sandbox run cut off: {killed}, after {len(records)}/{ref.n_tests} tests reported",
            exit_code=run.exit_code,
            **details,
        )
    if ref.mode in ("test_code", "asserts", "pytest"):
        infra = infra_failure(records)
        if infra is not None:
            return Outcome.error(f"the sandbox cannot run this test code: {infra}", **details)
    tests = [judge_test(records.get(i), ref, i, run, judged) for i in range(ref.n_tests)]
    passed = sum(t["status"] == "pass" for t in tests)
    total = len(tests)
    score = sum(float(t["score"]) for t in tests) / total
    details.update(passed=passed, total=total, tests=tests)
    if run.oom_killed:
        details["oom_killed"] = True
    if any(t["status"] == "timeout" and "budget" in t.get("excerpt", "") for t in tests):
        return Outcome.timeout(
            f"the {budget_s:g} s budget ran out after {passed}/{total} tests passed", **details
        )
    if passed == total:
        return Outcome.correct(f"all {total} tests passed", **details)
    return Outcome.incorrect(f"{passed}/{total} tests passed", score=score, **details)

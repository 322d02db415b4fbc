"""The host side of a code job, the same for every language: a submission becomes one sandbox job, and
the runner's records become an `Outcome`.

The job runs the language's runner (`_runner`, python3 inside the sandbox), which builds the submission
once (a compiled language) and runs each test in its own process; its stdout is a stream of JSON records
(`{"ready": true}`, `{"compile": {...}}` where there is a build, one `{"test": i, ...}` per test,
`{"done": true}`), which `_verdict` judges outside the sandbox. A failed build is `incorrect` (score 0)
with the compiler's first lines; a missing toolchain is `error`.
"""

from __future__ import annotations

import json
import math
from typing import Any

from veriward.sandbox import RunResult, Sandbox
from veriward.verifiers.base import Outcome
from veriward.verifiers.code import _limits
from veriward.verifiers.code._languages import LANGUAGES, SANDBOX_PATH, Language, image_for
from veriward.verifiers.code._reference import CodeReference
from veriward.verifiers.code._runner import source
from veriward.verifiers.code._verdict import Judged, outcome, runner_records

_COMPILE_LINES = 20
# Never -O: asserts in test code must run. -S: the runner itself needs no site-packages.
_PYTHON = ("python3", "-I", "-B", "-S", "-c")
_CHECKER_KIND = {"test_code": "check", "asserts": "assert", "pytest": "pytest"}


def runner_source(lang: Language) -> str:
    """The text of `lang`'s runner: the prelude and its parts."""
    return source(*lang.runner)


def runner_argv(lang: Language) -> list[str]:
    """The argv that starts `lang`'s runner as pid 1 of a job."""
    return [*_PYTHON, runner_source(lang)]


def _tests(ref: CodeReference) -> tuple[str, list[dict[str, Any]]]:
    """(runner mode, one entry per test) for the job."""
    if ref.cases is not None:
        return "cases", [{"args": c.args, "kwargs": c.kwargs} for c in ref.cases]
    if ref.stdio is not None:
        return "stdio", [{"input": t.input} for t in ref.stdio]
    return "checker", [{"kind": _CHECKER_KIND[ref.mode], "unit": unit} for unit in ref.units]


def job_spec(lang: Language, code: str, ref: CodeReference, budget_s: float) -> dict[str, Any]:
    """What the runner reads on stdin: the submission, its build, its tests and their limits."""
    mode, tests = _tests(ref)
    files = lang.sources(code)
    return {
        "mode": mode,
        "tests": tests,
        "entry_point": ref.entry_point,
        "source": code,
        "files": files,
        "sources": lang.compiled_sources(files),
        "compile": list(lang.compile),
        "run": list(lang.run),
        "case_run": list(lang.case_run),
        "env": lang.env,
        "path": SANDBOX_PATH,
        "prelude": ref.prelude,
        "test_code": ref.test_code,
        "pytest": ref.pytest,
        "context": ref.context,
        "bind": ref.bind,
        "imports": ref.imports,
        **_limits.runner_limits(lang, ref.time_limit_s, ref.memory_limit_mb, budget_s),
    }


def compile_record(run: RunResult) -> dict[str, Any] | None:
    for line in run.stdout.decode("utf-8", "replace").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and isinstance(rec.get("compile"), dict):
            return dict(rec["compile"])
    return None


def _first_lines(text: str, n: int = _COMPILE_LINES) -> str:
    lines = text.strip().splitlines()
    return "\n".join(lines[:n]) + ("\n..." if len(lines) > n else "")


def _int_floats(v: Any) -> Any:
    """One number type: an expected integral float is the same number as the integer."""
    if type(v) is float and math.isfinite(v) and v.is_integer():
        return int(v)
    if type(v) is list:
        return [_int_floats(x) for x in v]
    if type(v) is dict:
        return {k: _int_floats(x) for k, x in v.items()}
    return v


class Driver:
    """Runs submissions in one language: the image, the sandbox job, and the verdict from its records."""

    def __init__(self, lang: Language) -> None:
        self.lang = lang

    def image(self, python_image: str) -> str:
        return image_for(self.lang.name, python_image)

    async def run(
        self, sandbox: Sandbox, code: str, ref: CodeReference, remaining_s: float
    ) -> tuple[RunResult, float]:
        """Build and test `code` in `sandbox` within `remaining_s` seconds: (the run, its wall cap)."""
        wall = min(_limits.job_wall_s(self.lang, ref.n_tests, ref.time_limit_s), remaining_s)
        spec = job_spec(self.lang, code, ref, wall - _limits.REPORT_S)
        limits = _limits.job_limits(self.lang, ref.memory_limit_mb, wall)
        stdin = json.dumps(spec).encode()
        return await sandbox.run(runner_argv(self.lang), files={}, stdin=stdin, limits=limits), wall

    def outcome(
        self, run: RunResult, ref: CodeReference, budget_s: float, judged: dict[int, Judged] | None = None
    ) -> Outcome:
        """The verdict: a failed build is `incorrect`, a missing toolchain `error`; else the tests'."""
        ready, _, _ = runner_records(run)
        comp = compile_record(run)
        if not ready or comp is None:  # nothing to build, or the runner never got going (the judge says)
            return outcome(run, ref, budget_s, judged)
        failed = self._build_failed(run, ref, comp)
        if failed is not None:
            return failed
        if self.lang.one_number_type and ref.cases is not None:
            cases = [c.model_copy(update={"expected": _int_floats(c.expected)}) for c in ref.cases]
            ref = ref.model_copy(update={"cases": cases})
        result = outcome(run, ref, budget_s, judged)
        result.details["compile"] = {"status": "ok", "time_s": comp.get("time_s")}
        return result

    def _build_failed(self, run: RunResult, ref: CodeReference, comp: dict[str, Any]) -> Outcome | None:
        info = {
            "status": comp.get("status"),
            "time_s": comp.get("time_s"),
            "output": _first_lines(str(comp.get("output", ""))),
        }
        details: dict[str, Any] = {"backend": run.backend, "wall_s": round(run.wall_s, 3), "compile": info}
        status = comp.get("status")
        if status == "ok":
            return None
        if status == "missing":
            return Outcome.error(
                f"the {self.lang.name} toolchain is missing in the sandbox: {info['output']}"
            )
        if status == "timeout" and comp.get("budget"):
            return Outcome.timeout("the request budget ran out while compiling", **details)
        why = {
            "failed": "compile error",
            "timeout": f"compilation exceeded its {self.lang.compile_time_s:g} CPU-second limit",
            "too_big": "the build output is over the size limit",
        }.get(str(status), f"compilation failed ({status})")
        return Outcome.incorrect(why, score=0.0, passed=0, total=ref.n_tests, **details)


def driver(language: str) -> Driver:
    """The driver of a registered language (`KeyError` for an unknown one; references are checked first)."""
    return Driver(LANGUAGES[language])

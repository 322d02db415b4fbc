"""Language drivers for C, C++, Java, JavaScript, Go and Rust: one sandbox job per submission.

The job runs `_driver_native.py` (python3 inside the sandbox), which compiles once under the language's
compile limits and then runs each test; the verdict is computed here from its records, with the same
judge as Python (`_verdict`). A compile error is `incorrect` (score 0) with the compiler's first lines.
"""

from __future__ import annotations

import json
import math
from typing import Any

from veriward.sandbox import Limits, RunResult, Sandbox
from veriward.verifiers.base import Outcome
from veriward.verifiers.code import _driver_java, _driver_js
from veriward.verifiers.code._languages import LANGUAGES, SANDBOX_PATH, Language, image_for, java_source_name
from veriward.verifiers.code._reference import CodeReference
from veriward.verifiers.code._source import driver_source
from veriward.verifiers.code._verdict import Judged, driver_records, outcome

_DRIVER = driver_source("_driver_native.py")
MAX_OUTPUT_BYTES = 1024 * 1024
MAX_BUILD_BYTES = 64 * 1024 * 1024
_OVERHEAD_S = 5.0  # container start and driver start on a busy host (as for Python)
_REPORT_S = 1.0  # kept back from the driver's budget so that it can report before being killed
_PER_TEST_S = 1.25  # the wall cap of a test is 2 x its CPU limit + 1 s; plus clean-up
_COMPILE_LINES = 20


def _int_floats(v: Any) -> Any:
    """JavaScript has one number type: an expected integral float is the same number as the integer."""
    if type(v) is float and math.isfinite(v) and v.is_integer():
        return int(v)
    if type(v) is list:
        return [_int_floats(x) for x in v]
    if type(v) is dict:
        return {k: _int_floats(x) for k, x in v.items()}
    return v


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


class NativeDriver:
    """Turns a submission in `lang` into one sandbox job and its records into an `Outcome`."""

    def __init__(self, lang: Language) -> None:
        self.lang = lang
        self.language = lang.name

    def image(self, python_image: str) -> str:
        return image_for(self.language, python_image)

    def sources(self, code: str) -> dict[str, str]:
        """The files the compiler sees: the submission, and the function-call harness where there is one."""
        name = java_source_name(code) if self.language == "java" else self.lang.source
        files = {name: code}
        if self.language == "java":
            files[_driver_java.HARNESS_NAME] = _driver_java.HARNESS
        elif self.language == "javascript":
            files[_driver_js.HARNESS_NAME] = _driver_js.HARNESS
        return files

    def job(
        self, code: str, ref: CodeReference, budget_s: float, nproc: int | None
    ) -> tuple[list[str], dict[str, bytes], bytes]:
        """(argv, files, stdin) of the sandbox job that compiles `code` and runs every test of `ref`."""
        if ref.cases is not None:
            tests: list[dict[str, Any]] = [{"args": c.args} for c in ref.cases]
        else:
            tests = [{"input": t.input} for t in ref.stdio or []]
        files = self.sources(code)
        lang = self.lang
        spec = {
            "mode": ref.mode,
            "files": files,
            # The harness is compiled with the submission but only the submission is syntax-checked in JS.
            "sources": list(files) if self.language != "javascript" else [lang.source],
            "compile": list(lang.compile),
            "run": list(lang.run),
            "case_run": list(lang.case_run),
            "entry_point": ref.entry_point,
            "tests": tests,
            "env": lang.env,
            "path": SANDBOX_PATH,
            "compile_time_s": lang.compile_time_s,
            "compile_memory_mb": lang.compile_memory_mb,
            "memory_mb": ref.memory_limit_mb,
            "reserve_mb": lang.run_reserve_mb,
            "stack_mb": lang.stack_mb,
            "time_limit_s": ref.time_limit_s,
            "nproc": nproc,
            "max_output": MAX_OUTPUT_BYTES,
            "max_build": MAX_BUILD_BYTES,
            "budget_s": budget_s,
        }
        return ["python3", "-I", "-B", "-c", _DRIVER], {}, json.dumps(spec).encode()

    def wanted_s(self, ref: CodeReference) -> float:
        """Wall time the whole job may need: the compile, every test and the sandbox's own overhead."""
        compile_s = 2 * self.lang.compile_time_s + 1.0
        return compile_s + ref.n_tests * (2 * ref.time_limit_s + _PER_TEST_S) + _OVERHEAD_S

    def limits(self, ref: CodeReference, wall_s: float) -> Limits:
        lang = self.lang
        # Docker counts the tmpfs in the container's memory; the process backend caps each process's
        # address space, so the cap must admit the compiler and the runtime's reservations.
        peak = max(lang.compile_memory_mb, ref.memory_limit_mb + lang.run_reserve_mb)
        return Limits(
            wall_s=wall_s,
            memory_mb=peak + lang.tmp_mb + 64,
            pids=lang.pids,
            tmp_mb=lang.tmp_mb,
            fsize_mb=max(64, MAX_BUILD_BYTES // (1024 * 1024)),
            max_output_bytes=8 * 1024 * 1024,
        )

    async def run(
        self, sandbox: Sandbox, code: str, ref: CodeReference, remaining_s: float
    ) -> tuple[RunResult, float]:
        """Compile and test `code` in `sandbox` within `remaining_s` seconds: (the run, its wall cap)."""
        wall = min(self.wanted_s(ref), remaining_s)
        nproc = self.lang.pids if sandbox.name == "process" else None
        argv, files, stdin = self.job(code, ref, wall - _REPORT_S, nproc)
        return await sandbox.run(argv, files=files, stdin=stdin, limits=self.limits(ref, wall)), wall

    def outcome(
        self, run: RunResult, ref: CodeReference, budget_s: float, judged: dict[int, Judged] | None = None
    ) -> Outcome:
        """The verdict: a failed compile is `incorrect`, a missing toolchain `error`; else the tests."""
        ready, _, _ = driver_records(run)
        comp = compile_record(run)
        if not ready or comp is None:
            return outcome(run, ref, budget_s)  # the driver never got going: the common judge says why
        info = {
            "status": comp.get("status"),
            "time_s": comp.get("time_s"),
            "output": _first_lines(str(comp.get("output", ""))),
        }
        details: dict[str, Any] = {"backend": run.backend, "wall_s": round(run.wall_s, 3), "compile": info}
        status = comp.get("status")
        if status == "missing":
            return Outcome.error(f"the {self.language} toolchain is missing in the sandbox: {info['output']}")
        if status == "timeout" and comp.get("budget"):
            return Outcome.timeout("the request budget ran out while compiling", **details)
        if status != "ok":
            why = {
                "failed": "compile error",
                "timeout": f"compilation exceeded its {self.lang.compile_time_s:g} CPU-second limit",
                "too_big": "the build output is over the size limit",
            }.get(str(status), f"compilation failed ({status})")
            return Outcome.incorrect(why, score=0.0, passed=0, total=ref.n_tests, **details)
        if self.language == "javascript" and ref.cases is not None:
            cases = [c.model_copy(update={"expected": _int_floats(c.expected)}) for c in ref.cases]
            ref = ref.model_copy(update={"cases": cases})
        result = outcome(run, ref, budget_s, judged)
        result.details["compile"] = {"status": "ok", "time_s": comp.get("time_s")}
        return result


NATIVE_DRIVERS: dict[str, NativeDriver] = {name: NativeDriver(lang) for name, lang in LANGUAGES.items()}

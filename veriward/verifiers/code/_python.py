"""The Python language driver: how a Python submission becomes one sandbox job.

A language driver turns (code, reference, budget) into the argv, files and stdin of a single sandbox
job whose stdout is a stream of JSON records (`{"ready": true}`, one `{"test": i, ...}` per test,
`{"done": true}`); `_verdict` reads those records the same way for every language.
"""

from __future__ import annotations

import json
from typing import Any

from veriward.sandbox import Limits, RunResult, Sandbox
from veriward.verifiers.base import Outcome
from veriward.verifiers.code._reference import CodeReference
from veriward.verifiers.code._source import driver_source
from veriward.verifiers.code._verdict import Judged, outcome

_DRIVER = driver_source("_driver_wire.py", "_driver_remote.py", "_driver_checker.py", "_driver_python.py")
MAX_OUTPUT_BYTES = 1024 * 1024
_OVERHEAD_S = 5.0  # generous: container start and interpreter start-up on a busy host
_REPORT_S = 1.0  # kept back from the driver's own budget so that it can report before being killed
# Never -O: asserts in test code must run. -S: the driver itself needs no site-packages.
ARGV = ["python3", "-I", "-B", "-S", "-c", _DRIVER]


def _tests(ref: CodeReference) -> tuple[str, list[dict[str, Any]]]:
    """(driver mode, one entry per test) for the job."""
    if ref.cases is not None:
        return "cases", [{"args": c.args, "kwargs": c.kwargs} for c in ref.cases]
    if ref.stdio is not None:
        return "stdio", [{"input": t.input} for t in ref.stdio]
    kind = {"test_code": "check", "asserts": "assert", "pytest": "pytest"}[ref.mode]
    return "checker", [{"kind": kind, "unit": unit} for unit in ref.units]


def limits_spec(ref: CodeReference, budget_s: float, nproc: int | None) -> dict[str, Any]:
    return {
        "time_limit_s": ref.time_limit_s,
        "memory_mb": ref.memory_limit_mb,
        "nproc": nproc,
        "max_output": MAX_OUTPUT_BYTES,
        "budget_s": budget_s,
        "driver": _DRIVER,
    }


class PythonDriver:
    language = "python"

    def image(self, python_image: str) -> str:
        return python_image

    async def run(
        self, sandbox: Sandbox, code: str, ref: CodeReference, remaining_s: float
    ) -> tuple[RunResult, float]:
        """Run every test of `ref` against `code` in one job of `sandbox`: (the run, the job's wall cap)."""
        wanted = ref.n_tests * (2 * ref.time_limit_s + 1.25) + _OVERHEAD_S
        wall = min(wanted, remaining_s)
        nproc = 64 if sandbox.name == "process" else None
        argv, files, stdin = self.job(code, ref, wall - _REPORT_S, nproc)
        # the checker (or the test's own process) and the candidate, plus the driver
        limits = Limits(
            wall_s=wall, memory_mb=ref.memory_limit_mb * 2 + 64, pids=64, max_output_bytes=8 << 20
        )
        return await sandbox.run(argv, files=files, stdin=stdin, limits=limits), wall

    def outcome(
        self, run: RunResult, ref: CodeReference, budget_s: float, judged: dict[int, Judged] | None = None
    ) -> Outcome:
        return outcome(run, ref, budget_s, judged)

    def job(
        self, code: str, ref: CodeReference, budget_s: float, nproc: int | None
    ) -> tuple[list[str], dict[str, bytes], bytes]:
        """(argv, files, stdin) of the sandbox job that runs every test of `ref` against `code`."""
        mode, tests = _tests(ref)
        spec = {
            "mode": mode,
            "source": code,
            "prelude": ref.prelude,
            "entry_point": ref.entry_point,
            "test_code": ref.test_code,
            "pytest": ref.pytest,
            "context": ref.context,
            "bind": ref.bind,
            "imports": ref.imports,
            "tests": tests,
            **limits_spec(ref, budget_s, nproc),
        }
        return list(ARGV), {}, json.dumps(spec).encode()


DRIVERS = {"python": PythonDriver()}

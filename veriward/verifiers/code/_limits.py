"""Every limit and time budget of a code job, computed here and nowhere else (the runner reads them from
the job it is given)."""

from __future__ import annotations

import math

from veriward.sandbox import Limits
from veriward.verifiers.code._languages import Language

MB = 1024 * 1024
# Kept before the request's deadline so that a verdict, not the engine's cut-off, reports a timeout.
MARGIN_S = 0.25
MIN_RUN_S = 0.3  # less left than this: the tests are not started
MIN_JUDGE_S = 1.0  # likewise for the special judge's job
OVERHEAD_S = 5.0  # container start and runner start on a busy host
REPORT_S = 1.0  # kept back from the runner's budget so that it can report before being killed
CLEANUP_S = 0.25  # per test: the runner's kill and wipe between tests
RETRY_START_S = 5.0  # a sandbox that failed to start is tried again after this long
JUDGE_SHARE = 0.25  # at most this share of the budget is kept for the judge while the candidate runs
OUTPUT_BYTES = 1 * MB  # a test's stdout kept (more fails a stdio test)
JOB_OUTPUT_BYTES = 8 * MB  # the whole job's stdout and stderr kept (the runner's records)
BUILD_BYTES = 64 * MB  # a build's output kept for the tests
RUNNER_MB = 64  # the runner's own memory


def cpu_s(time_limit_s: float) -> int:
    """The CPU-second limit of a test or a compile, rounded up (RLIMIT_CPU counts whole seconds)."""
    return max(1, math.ceil(time_limit_s))


def wall_s(time_limit_s: float) -> float:
    """The wall-clock cap of a test or a compile: CPU time is the limit (robust on a loaded host); wall time
    is a looser cap for programs that sleep or wait on disk."""
    return 2 * time_limit_s + 1.0


def compile_wall_s(lang: Language) -> float:
    return wall_s(lang.compile_time_s) if lang.compile else 0.0


def job_wall_s(lang: Language, n_tests: int, time_limit_s: float) -> float:
    """Wall time a whole job may need: the build, every test with its clean-up, and the sandbox's overhead."""
    return compile_wall_s(lang) + n_tests * (wall_s(time_limit_s) + CLEANUP_S) + OVERHEAD_S


def job_limits(lang: Language, memory_mb: int, wall: float) -> Limits:
    """The sandbox limits of one job of `lang` whose tests each get `memory_mb`."""
    # Docker counts the tmpfs in the container's memory; the process backend caps each process's
    # address space, so the cap must admit the compiler and the runtime's reservations.
    peak = max(
        lang.compile_memory_mb if lang.compile else 0, lang.processes * memory_mb + lang.run_reserve_mb
    )
    return Limits(
        wall_s=wall,
        memory_mb=peak + lang.tmp_mb + RUNNER_MB,
        pids=lang.pids,
        tmp_mb=lang.tmp_mb,
        fsize_mb=BUILD_BYTES // MB,
        max_output_bytes=JOB_OUTPUT_BYTES,
    )


def runner_limits(lang: Language, time_limit_s: float, memory_mb: int, budget_s: float) -> dict[str, object]:
    """The limits the in-sandbox runner applies to each test and to the build (part of its job)."""
    return {
        "time_limit_s": time_limit_s,
        "test_cpu_s": cpu_s(time_limit_s),
        "test_wall_s": wall_s(time_limit_s),
        "memory_mb": memory_mb,
        "reserve_mb": lang.run_reserve_mb,
        "stack_mb": lang.stack_mb,
        "compile_time_s": lang.compile_time_s,
        "compile_cpu_s": cpu_s(lang.compile_time_s),
        "compile_wall_s": compile_wall_s(lang),
        "compile_memory_mb": lang.compile_memory_mb,
        "max_output": OUTPUT_BYTES,
        "max_build": BUILD_BYTES,
        "budget_s": budget_s,
    }

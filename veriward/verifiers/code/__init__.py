"""The `code` scorer: run a program's tests in a sandbox; score = fraction of tests passed.

Every language is a `Language` (see `_languages`): `register_language` adds one.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from veriward.errors import RequestError
from veriward.sandbox import RunResult, Sandbox, SandboxUnavailable, select_sandbox
from veriward.settings import Settings
from veriward.verifiers.base import AsyncVerifier, Context, Outcome
from veriward.verifiers.code._compare import clean, clean_text
from veriward.verifiers.code._driver import driver
from veriward.verifiers.code._extract import extract_code
from veriward.verifiers.code._judge import reserve_s, run_checker
from veriward.verifiers.code._languages import (
    LANGUAGES,
    Language,
    image_for,
    image_packages,
    missing_host_tools,
    register_language,
)
from veriward.verifiers.code._limits import MARGIN_S, MIN_RUN_S, RETRY_START_S
from veriward.verifiers.code._reference import CodeReference, parse_reference
from veriward.verifiers.code._verdict import Judged

__all__ = [
    "LANGUAGES",
    "CodeVerifier",
    "Language",
    "image_for",
    "image_packages",
    "missing_host_tools",
    "register_language",
]


def _clean(result: Outcome) -> Outcome:
    """Every string valid UTF-8: a candidate's lone surrogate must not break the response of a batch."""
    return Outcome(result.verdict, result.score, clean_text(result.reason), clean(result.details))


class _Box:
    """A started sandbox, or the reason there is none (until `retry_at`)."""

    def __init__(self) -> None:
        self.sandbox: Sandbox | None = None
        self.reason = ""
        self.retry_at = 0.0
        self.lock = asyncio.Lock()


class CodeVerifier(AsyncVerifier):
    name = "code"
    description = (
        "Runs the program in a sandbox (Docker or bubblewrap) against function-call cases, stdin/stdout "
        "tests, HumanEval-style test code, MBPP-style asserts or pytest tests; score = mean test score. "
        "Hack-resistant: verdicts are computed outside the sandbox from JSON-encoded values, test code runs "
        "apart from the candidate, and tests share nothing."
    )
    reference_help = (
        'An object: {"language": "python", "entry_point": "f", plus one of "cases": [{"args": [...], '
        '"kwargs": {...}, "expected": <JSON>, "also": [<JSON>]}], "stdio": [{"input": "...", "output": '
        '"..."}], "test_code": "def check(candidate): ...", "asserts": ["assert f(1) == 2", ...], "pytest": '
        '"<a pytest module>"; optional "context" and "prelude" (trusted code for the checker / before the '
        'solution), "checker": {"source": "def check(input, output, expected): ...", "style": '
        '"function" | "testlib"}, "compare": "strict" | "python", "time_limit_s" (per test), '
        '"memory_limit_mb", "float_tolerance"}. Or a dataset row as distributed plus "format": humaneval, '
        "mbpp, apps, taco, livecodebench, codecontests, kodcode, pytest. The code is the last ```python (or "
        "plain ```) block of the response, else the whole response. Other languages: c, cpp, java, "
        "javascript, go, rust (stdio for all; cases for javascript and java; fenced with their own tag)."
    )

    def __init__(self) -> None:
        self._boxes: dict[str, _Box] = {}  # one sandbox per runner image, started on first use

    def parse_reference(self, reference: Any) -> CodeReference:
        return parse_reference(reference)

    def check_job(self, reference: CodeReference, options: Any, settings: Settings) -> None:
        # The caller sizes the sandbox: the server caps it, times the jobs it runs at once.
        if reference.memory_limit_mb > settings.sandbox_max_memory_mb:
            raise RequestError(
                f"reference.memory_limit_mb is {reference.memory_limit_mb}; this server allows at most "
                f"{settings.sandbox_max_memory_mb} (VERIWARD_SANDBOX_MAX_MEMORY_MB)",
                field="reference.memory_limit_mb",
            )

    async def _sandbox(self, s: Settings, image: str | None = None) -> Sandbox:
        image = image or s.sandbox_image
        box = self._boxes.setdefault(image, _Box())
        async with box.lock:
            if box.sandbox is None and time.monotonic() >= box.retry_at:
                try:
                    sb = await asyncio.to_thread(
                        select_sandbox, s.sandbox, image, s.sandbox_jobs, s.sandbox_warm
                    )
                    await sb.start()
                    box.sandbox, box.reason = sb, ""
                except (SandboxUnavailable, ValueError) as exc:
                    box.reason, box.retry_at = str(exc), time.monotonic() + RETRY_START_S
        if box.sandbox is None:
            raise SandboxUnavailable(box.reason)
        return box.sandbox

    async def acheck(self, response: str, reference: CodeReference, options: Any, ctx: Context) -> Outcome:
        lang = driver(reference.language)
        try:
            sandbox = await self._sandbox(ctx.settings, lang.image(ctx.settings.sandbox_image))
        except SandboxUnavailable as exc:
            return Outcome.error(f"refusing to run code without a sandbox: {exc}")
        code = extract_code(response, reference.language)
        remaining = ctx.remaining() - MARGIN_S
        if remaining < MIN_RUN_S:
            return Outcome.timeout("no time left in the request budget to run the tests")
        try:
            run, wall = await lang.run(sandbox, code, reference, remaining - reserve_s(reference, remaining))
            judged = await self._judge(ctx, reference, run)
        except SandboxUnavailable as exc:
            return Outcome.error(f"sandbox failure: {exc}")
        if isinstance(judged, Outcome):
            return _clean(judged)
        return _clean(lang.outcome(run, reference, wall, judged))

    async def _judge(
        self, ctx: Context, ref: CodeReference, run: RunResult
    ) -> dict[int, Judged] | Outcome | None:
        """The special judge's verdicts, in a sandbox job of its own (Python's image), if there is one."""
        if ref.checker is None:
            return None
        try:
            sandbox = await self._sandbox(ctx.settings, ctx.settings.sandbox_image)
        except SandboxUnavailable as exc:
            return Outcome.error(f"refusing to run the checker without a sandbox: {exc}")
        return await run_checker(sandbox, ref, run, ctx.remaining() - MARGIN_S)

    def concurrency(self, settings: Settings) -> int | None:
        return settings.sandbox_jobs

    def info(self) -> dict[str, Any]:
        live = [b.sandbox.name for b in self._boxes.values() if b.sandbox is not None]
        return {"languages": sorted(LANGUAGES), "sandbox": live[0] if live else "not started"}

    async def shutdown(self) -> None:
        boxes, self._boxes = self._boxes, {}
        for box in boxes.values():
            if box.sandbox is not None:
                await box.sandbox.close()

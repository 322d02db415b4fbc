"""Each engine owns its scorer instances: made at start, closed at close, never shared with another engine."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from veriward import AsyncVerifier, Engine, Settings, Verdict, Verifier, verifiers
from veriward.verifiers import Context, Outcome

EVENTS: list[tuple[str, int, str]] = []  # (event, instance id, the engine's default verifier)


class Lifecycle(AsyncVerifier):
    """Records its startup and shutdown, and answers with its own identity."""

    name = "lifecycle"
    description = "test only"
    reference_help = "anything"

    def __init__(self) -> None:
        self.settings: Settings | None = None

    async def startup(self, settings: Settings) -> None:
        self.settings = settings
        EVENTS.append(("start", id(self), settings.default_verifier))

    async def shutdown(self) -> None:
        assert self.settings is not None
        EVENTS.append(("stop", id(self), self.settings.default_verifier))

    async def acheck(self, response: str, reference: Any, options: Any, ctx: Context) -> Outcome:
        assert self.settings is ctx.settings  # the settings of the engine that owns this instance
        return Outcome.correct(instance=id(self))


class OldStyle(Verifier):
    """A scorer written against the base before the split: `pooled = False` and `acheck`."""

    name = "old_style"
    description = "test only"
    reference_help = "anything"
    pooled = False

    async def acheck(self, response: str, reference: Any, options: Any, ctx: Context) -> Outcome:
        return Outcome.correct("in the event loop", pid=os.getpid())


@pytest.fixture
def registered() -> Iterator[None]:
    EVENTS.clear()
    verifiers.register("lifecycle", Lifecycle)  # a factory: a class
    verifiers.register("old_style", f"{__name__}:OldStyle")
    verifiers.register("worker_pid", "_pool_tasks:WorkerPid")  # importable by the pool's workers
    yield
    for name in ("lifecycle", "old_style", "worker_pid"):
        verifiers.unregister(name)


def _req(verifier: str) -> dict[str, Any]:
    return {"verifier": verifier, "response": "x", "reference": "x"}


async def test_two_engines_on_one_loop_own_separate_instances(registered: None) -> None:
    async with Engine(Settings(pool_workers=1, default_verifier="math")) as a:
        async with Engine(Settings(pool_workers=1, default_verifier="code")) as b:
            ra, rb = await a.score(_req("lifecycle")), await b.score(_req("lifecycle"))
            assert ra.verdict == rb.verdict == Verdict.CORRECT
            assert ra.details["instance"] != rb.details["instance"]
            assert a.scorer("lifecycle") is not b.scorer("lifecycle")
        # b closed: only its instance was shut down, a's still serves
        assert [e for e in EVENTS if e[0] == "stop"] == [("stop", rb.details["instance"], "code")]
        assert (await a.score(_req("lifecycle"))).details["instance"] == ra.details["instance"]
    starts = [e for e in EVENTS if e[0] == "start"]
    assert starts == [("start", ra.details["instance"], "math"), ("start", rb.details["instance"], "code")]
    assert len([e for e in EVENTS if e[0] == "stop"]) == 2


async def test_prm_reports_the_settings_of_its_own_engine() -> None:
    symbolic = Settings(pool_workers=1, prm_backend="symbolic")
    remote = Settings(pool_workers=1, prm_backend="vllm", prm_vllm_url="http://127.0.0.1:9")
    async with Engine(symbolic) as a, Engine(remote) as b:
        info = {e: {v.name: v.info for v in e.describe()}["prm"] for e in (a, b)}
    assert info[a]["default_backend"] == "symbolic" and not info[a]["backends"]["vllm"]
    assert info[b]["default_backend"] == "vllm" and info[b]["backends"]["vllm"]


async def test_a_pooled_scorer_registered_by_module_path_runs_in_a_worker(registered: None) -> None:
    async with Engine(Settings(pool_workers=1)) as e:
        result = await e.score(_req("worker_pid"))
        assert result.verdict == Verdict.CORRECT, result.reason
        assert result.details["pid"] in e.pool.pids() and result.details["pid"] != os.getpid()


async def test_a_scorer_written_before_the_split_still_runs(registered: None) -> None:
    async with Engine(Settings(pool_workers=1)) as e:
        result = await e.score(_req("old_style"))
    assert result.verdict == Verdict.CORRECT and result.details["pid"] == os.getpid()


async def test_a_scorer_registered_after_start_is_made_on_first_use(registered: None) -> None:
    async with Engine(Settings(pool_workers=1)) as e:
        verifiers.register("late", Lifecycle)
        try:
            assert "late" in {v.name for v in e.describe()}
            assert isinstance(e.scorer("late"), Lifecycle) and e.scorer("late") is e.scorer("late")
        finally:
            verifiers.unregister("late")

"""The engine and its killable worker pool, with real worker processes."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

import veriward
from veriward import Engine, RequestError, Settings, Verdict
from veriward.errors import WorkerDied


@pytest.fixture
async def engine() -> Engine:
    async with Engine(Settings(pool_workers=2)) as e:
        yield e


async def test_hung_task_is_killed_at_its_deadline_and_the_pool_recovers(engine: Engine) -> None:
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        await engine.pool.call(time.sleep, 30, deadline=t0 + 1.0)
    assert time.monotonic() - t0 < 2.0
    # Both workers still answer (the killed one was replaced).
    assert await engine.pool.call(abs, -3, deadline=time.monotonic() + 10) == 3
    assert await engine.pool.call(abs, -4, deadline=time.monotonic() + 10) == 4


async def test_crashed_worker_is_reported_not_hidden(engine: Engine) -> None:
    with pytest.raises(WorkerDied):
        await engine.pool.call(os._exit, 3, deadline=time.monotonic() + 10)
    assert await engine.pool.call(abs, -1, deadline=time.monotonic() + 10) == 1


async def test_queueing_counts_against_the_budget(engine: Engine) -> None:
    # Two workers busy with sleepers: a third task's budget runs out while it waits in the queue.
    deadline = time.monotonic() + 1.0
    blockers = [
        asyncio.create_task(engine.pool.call(time.sleep, 5, deadline=time.monotonic() + 3)) for _ in range(2)
    ]
    await asyncio.sleep(0.2)
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        await engine.pool.call(abs, -1, deadline=deadline)
    assert time.monotonic() - t0 < 1.6
    for b in blockers:
        with pytest.raises(TimeoutError):
            await b


async def test_budget_is_capped_by_server_maximum() -> None:
    e = Engine(Settings(max_timeout_s=5, default_timeout_s=2))
    job = e.validate({"verifier": "math", "response": "x", "reference": "1", "timeout_s": 500})
    assert job.budget_s == 5
    job = e.validate({"verifier": "math", "response": "x", "reference": "1"})
    assert job.budget_s == 2


def test_oversized_response_is_rejected_with_a_reason() -> None:
    e = Engine(Settings(max_response_chars=100))
    with pytest.raises(RequestError, match="limit is 100"):
        e.validate({"verifier": "math", "response": "x" * 101, "reference": "1"})


def test_library_score_uses_the_same_path() -> None:
    result = veriward.score("math", response=r"\boxed{5}", reference="5", id="lib")
    assert result.id == "lib" and result.verdict is Verdict.CORRECT and result.score == 1.0
    with pytest.raises(RequestError, match="unknown verifier"):
        veriward.score("nope", response="5", reference="5")


async def test_batch_items_start_their_budget_when_they_get_a_worker() -> None:
    # One worker, a 0.3 s budget and a batch that takes several budgets in all: no item times out,
    # because each item's clock starts when the worker takes it, not when the batch arrived.
    async with Engine(Settings(pool_workers=1, default_timeout_s=0.3)) as e:
        items = [
            {
                "verifier": "math",
                "response": rf"\boxed{{\sqrt{{{i}}} + \frac{{1}}{{{i}}}}}",
                "reference": rf"\frac{{1}}{{{i}}} + \sqrt{{{i}}}",
            }
            for i in range(2, 1202)
        ]
        t0 = time.monotonic()
        results = await e.score_batch(items)
        took = time.monotonic() - t0
    assert took > 2 * 0.3, f"batch too quick ({took:.2f} s) to show anything; make it larger"
    assert [r.verdict for r in results] == [Verdict.CORRECT] * len(items)

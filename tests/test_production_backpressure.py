"""Backpressure (429 with Retry-After) and graceful shutdown, through a real server on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from conftest import LiveServer, free_port

from veriward import verifiers
from veriward.verifiers.base import AsyncVerifier, Context, Outcome

MATH_OK = {"verifier": "math", "response": r"so \boxed{5}", "reference": "5"}


class PauseVerifier(AsyncVerifier):
    """Test-only in-process scorer: waits `response` seconds (within its budget), then says correct.

    It runs in the server's event loop, so registering it after the server has started is enough
    (pool workers never see it).
    """

    name = "pause"
    description = "test only"
    reference_help = "anything"

    async def acheck(self, response: str, reference: Any, options: Any, ctx: Context) -> Outcome:
        await asyncio.sleep(min(float(response), ctx.remaining()))
        return Outcome.correct()


@pytest.fixture
def pause_scorer() -> Iterator[None]:
    verifiers.register("pause", f"{__name__}:PauseVerifier")
    yield
    verifiers.unregister("pause")


def _queue_depth(c: httpx.Client, verifier: str) -> int:
    m = re.search(rf'^veriward_queue_depth\{{verifier="{verifier}"\}} (\S+)$', c.get("/metrics").text, re.M)
    return int(float(m.group(1))) if m else 0


def _wait_for_depth(c: httpx.Client, verifier: str, at_least: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while _queue_depth(c, verifier) < at_least:
        assert time.monotonic() < deadline, f"{verifier} queue never reached {at_least}"
        time.sleep(0.01)


def _in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    t = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    t.start()
    return t, out


def test_full_math_queue_answers_429_with_retry_after(make_server: Callable[..., LiveServer]) -> None:
    # Saturate with real math work: one worker, a queue of 50, and a batch of 1000 that fills it.
    server = make_server(pool_workers=1, max_queue_per_scorer=50)
    # Each item its own response: identical ones are scored once (in-flight dedup, then the cache), and
    # would never fill the queue.
    items = [{**MATH_OK, "id": str(i), "response": f"step {i}: so \\boxed{{5}}"} for i in range(1000)]
    with server.client() as c:
        t, out = _in_thread(lambda: c.post("/v1/score/batch", json={"requests": items}))
        with server.client() as probe:
            _wait_for_depth(probe, "math", 50)
            r = probe.post("/v1/score", json={**MATH_OK, "response": r"hence \boxed{5}"})
            metrics = probe.get("/metrics").text
        t.join(120)
        batch = out[0]
    assert r.status_code == 429, r.text
    assert int(r.headers["retry-after"]) >= 1
    assert "math" in r.json()["detail"]
    assert re.search(r'^veriward_overloaded_total\{verifier="math"\} 1\.0$', metrics, re.M)
    # The admitted batch was not harmed by the refusal.
    assert batch.status_code == 200
    assert [x["verdict"] for x in batch.json()["results"]] == ["correct"] * 1000
    # Once drained, the scorer takes requests again.
    with server.client() as c:
        assert c.post("/v1/score", json=MATH_OK).json()["verdict"] == "correct"


def test_queues_are_per_scorer(make_server: Callable[..., LiveServer], pause_scorer: None) -> None:
    server = make_server(pool_workers=1, max_queue_per_scorer=2)
    slow = {"verifier": "pause", "response": "1.5", "reference": "x"}
    with server.client() as c:
        threads = [_in_thread(lambda: c.post("/v1/score", json=slow)) for _ in range(2)]
        _wait_for_depth(c, "pause", 2)
        refused = c.post("/v1/score", json=slow)
        other = c.post("/v1/score", json=MATH_OK)  # math has its own queue
        for t, _ in threads:
            t.join(30)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert other.status_code == 200 and other.json()["verdict"] == "correct"
    assert [out[0].json()["verdict"] for _, out in threads] == ["correct", "correct"]


def test_graceful_shutdown_finishes_in_flight_requests(
    make_server: Callable[..., LiveServer], pause_scorer: None
) -> None:
    server = make_server(pool_workers=1)
    slow = {"verifier": "pause", "response": "1.5", "reference": "x", "id": "in-flight"}
    with server.client() as c:
        t, out = _in_thread(lambda: c.post("/v1/score", json=slow))
        _wait_for_depth(c, "pause", 1)
        asked = time.monotonic()
        server.server.should_exit = True  # what uvicorn's SIGTERM/SIGINT handler sets
        t.join(30)
    server.thread.join(30)
    stopped = time.monotonic()
    r = out[0]
    assert r.status_code == 200 and r.json()["id"] == "in-flight" and r.json()["verdict"] == "correct"
    assert not server.thread.is_alive()
    assert stopped - asked > 0.5  # the server waited for the request instead of cutting it off
    with pytest.raises(httpx.ConnectError), httpx.Client(base_url=server.url, timeout=5) as c:
        c.get("/healthz")


async def test_engine_drain_waits_for_admitted_work() -> None:
    from veriward.engine import Engine
    from veriward.settings import Settings

    verifiers.register("pause", f"{__name__}:PauseVerifier")
    try:
        async with Engine(Settings(pool_workers=1)) as engine:
            req = {"verifier": "pause", "response": "0.3", "reference": "x"}
            task = asyncio.create_task(engine.score(req))
            await asyncio.sleep(0.05)
            assert engine.queue_depth() == {"pause": 1}
            assert not await engine.drain(0.01)
            assert await engine.drain(5)
            assert task.done() and task.result().verdict == "correct"
            assert engine.queue_depth() == {}
    finally:
        verifiers.unregister("pause")


@contextlib.contextmanager
def _serve_process(**env_overrides: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`veriward serve` in its own process on a free loopback port; killed if still alive at the end."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VERIWARD_")}
    env.update(VERIWARD_POOL_WORKERS="1", VERIWARD_LOG_LEVEL="warning", **env_overrides)
    cmd = [sys.executable, "-m", "veriward", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)


def _stopped_cleanly(proc: subprocess.Popen[bytes]) -> None:
    code = proc.wait(60)
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    # uvicorn re-raises the signal once it has shut down cleanly, so the exit status is SIGTERM's.
    assert code in (0, -signal.SIGTERM), stderr
    assert "Traceback" not in stderr, stderr


def test_sigterm_lets_an_in_flight_batch_finish() -> None:
    # The real thing: `veriward serve` in its own process, SIGTERM while a batch of real math is queued.
    with _serve_process() as (url, proc), httpx.Client(base_url=url, timeout=120) as c:
        items = [{**MATH_OK, "id": str(i)} for i in range(2000)]
        t, out = _in_thread(lambda: c.post("/v1/score/batch", json={"requests": items}))
        _wait_for_depth(c, "math", 1)
        proc.send_signal(signal.SIGTERM)
        t.join(120)
        _stopped_cleanly(proc)
    r = out[0]
    assert r.status_code == 200
    assert [x["verdict"] for x in r.json()["results"]] == ["correct"] * 2000


def _containers_of(pid: int) -> list[str]:
    ps = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=veriward.sandbox.pid={pid}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return ps.stdout.split()


@pytest.mark.docker
def test_sigterm_removes_the_servers_sandbox_containers() -> None:
    code = "```python\ndef f(x):\n    return x + 1\n```"
    ref = {"language": "python", "entry_point": "f", "cases": [{"args": [1], "expected": 2}]}
    with _serve_process(VERIWARD_SANDBOX="docker", VERIWARD_SANDBOX_WARM="2") as (url, proc):
        r = httpx.post(
            f"{url}/v1/score", json={"verifier": "code", "response": code, "reference": ref}, timeout=120
        )
        assert r.status_code == 200 and r.json()["verdict"] == "correct", r.text
        assert _containers_of(proc.pid), "the Docker sandbox keeps warm containers while serving"
        proc.send_signal(signal.SIGTERM)
        _stopped_cleanly(proc)
    assert _containers_of(proc.pid) == []


def test_a_batch_that_outlives_the_grace_gets_a_complete_answer_in_time() -> None:
    # 3 s of grace, a batch that needs far longer on one worker: the answer is a 200 whose unscored items
    # say `error` ("retry it"), it comes back within the grace, and the process stops without a second wait.
    slow = {"verifier": "math", "response": r"\boxed{(x+1)^{30}}", "reference": "(1+x)^{30}"}
    with (
        _serve_process(VERIWARD_SHUTDOWN_GRACE_S="3") as (url, proc),
        httpx.Client(base_url=url, timeout=120) as c,
    ):
        items = [
            {**slow, "response": slow["response"].replace("30", str(30 + i)), "id": str(i)}
            for i in range(4000)
        ]
        items = [{**it, "reference": it["response"][7:-1].replace("x+1", "1+x")} for it in items]
        t, out = _in_thread(lambda: c.post("/v1/score/batch", json={"requests": items}))
        _wait_for_depth(c, "math", 1)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        t.join(60)
        answered = time.monotonic() - t0
        _stopped_cleanly(proc)
        stopped = time.monotonic() - t0
    r = out[0]
    assert r.status_code == 200, r.text[:300]
    verdicts = [x["verdict"] for x in r.json()["results"]]
    assert set(verdicts) <= {"correct", "error"} and "error" in verdicts
    reasons = {x["reason"] for x in r.json()["results"] if x["verdict"] == "error"}
    assert all("shutting down" in why for why in reasons), reasons
    assert answered < 3 + 1.5 and stopped < 3 + 5, (answered, stopped)

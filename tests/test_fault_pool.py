"""Fault injection on the scoring pool: SIGKILL workers (idle, busy, all, the zygote) and keep scoring.

Real worker processes, a real server on loopback. Before the pool owned its workers, one SIGKILLed idle
worker broke it for good (`RuntimeError: Unexpected error within the Pool`) while /healthz stayed 200.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import _pool_tasks
import pytest

from veriward import Engine, Settings, Verdict
from veriward._pool import WorkerPool
from veriward.errors import WorkerDied

RIGHT = {"verifier": "math", "response": r"\boxed{\frac{1}{2}}", "reference": "0.5"}
WRONG = {"verifier": "math", "response": r"\boxed{3}", "reference": "0.5"}


def _worker_pids(pool: WorkerPool) -> list[int]:
    return pool.pids(idle_only=True)


async def _until(cond: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


async def test_killed_idle_workers_are_replaced_and_counted() -> None:
    async with Engine(Settings(pool_workers=2)) as e:
        for pid in _worker_pids(e.pool):
            os.kill(pid, signal.SIGKILL)
        await _until(lambda: e.pool.restarts == 2 and len(e.pool.pids(idle_only=True)) == 2)
        assert e.health()["ok"] and e.health()["workers"] == 2
        results = [await e.score(RIGHT) for _ in range(4)] + [await e.score(WRONG)]
        assert [r.verdict for r in results] == [Verdict.CORRECT] * 4 + [Verdict.INCORRECT]


async def test_worker_killed_mid_task_is_retried_on_a_fresh_one(tmp_path: Path) -> None:
    # The first try dies (SIGKILL, as from the OOM killer); the retry decides the task.
    async with Engine(Settings(pool_workers=2)) as e:
        marker = str(tmp_path / "died")
        got = await e.pool.call(_pool_tasks.die_once, marker, 7, deadline=time.monotonic() + 20, retry=True)
        assert got == 7 and e.pool.restarts == 1
        # Without retry the death is reported; a task that kills every worker it gets is reported too.
        with pytest.raises(WorkerDied):
            await e.pool.call(os._exit, 3, deadline=time.monotonic() + 20, retry=True)
        assert e.pool.restarts == 3


async def test_a_busy_worker_killed_from_outside_costs_only_its_task() -> None:
    async with Engine(Settings(pool_workers=2)) as e:
        slow = asyncio.create_task(e.pool.call(_pool_tasks.sleep_then, 30, 1, deadline=time.monotonic() + 60))
        await _until(lambda: len(e.pool.pids(idle_only=True)) == 1)
        idle = set(e.pool.pids(idle_only=True))
        (busy,) = [pid for pid in e.pool.pids() if pid not in idle]
        os.kill(busy, signal.SIGKILL)
        with pytest.raises(WorkerDied):
            await slow
        assert (await e.score(RIGHT)).verdict is Verdict.CORRECT
        await _until(lambda: len(e.pool.pids(idle_only=True)) == 2)


async def test_random_kills_under_load_never_misjudge() -> None:
    """60 requests, 4 in flight, a worker SIGKILLed every 50 ms: every verdict is right or `error`-free."""
    rng = random.Random(7)
    async with Engine(Settings(pool_workers=2)) as e:
        stop = asyncio.Event()

        async def chaos() -> None:
            while not stop.is_set():
                pids = e.pool.pids()
                if pids:
                    os.kill(rng.choice(pids), signal.SIGKILL)
                await asyncio.sleep(0.05)

        monkey = asyncio.create_task(chaos())
        sem = asyncio.Semaphore(4)

        async def one(i: int) -> Verdict:
            async with sem:
                return (await e.score(RIGHT if i % 2 else WRONG)).verdict

        verdicts = await asyncio.gather(*(one(i) for i in range(60)))
        stop.set()
        await monkey
        # A request may be unlucky twice (both tries killed): that reads as the input's doing, `invalid`.
        wrong = [
            (i, v)
            for i, v in enumerate(verdicts)
            if v is not (Verdict.CORRECT if i % 2 else Verdict.INCORRECT) and v is not Verdict.INVALID
        ]
        assert not wrong
        assert sum(v is Verdict.INVALID for v in verdicts) <= 6
        await _until(lambda: len(e.pool.pids(idle_only=True)) == 2)
        assert (await e.score(RIGHT)).verdict is Verdict.CORRECT


async def test_a_killed_zygote_is_restarted_with_the_next_worker() -> None:
    async with Engine(Settings(pool_workers=2)) as e:
        proc = e.pool._spawner._proc
        assert proc is not None
        proc.kill()  # its workers die with it (PR_SET_PDEATHSIG)
        proc.wait()
        await _until(lambda: e.pool.restarts >= 2 and len(e.pool.pids(idle_only=True)) == 2)
        assert (await e.score(RIGHT)).verdict is Verdict.CORRECT
        assert e.pool._spawner._proc is not proc


async def test_health_says_unavailable_when_no_worker_can_start(monkeypatch: pytest.MonkeyPatch) -> None:
    async with Engine(Settings(pool_workers=1)) as e:
        monkeypatch.setattr(e.pool._spawner, "spawn", _refuse)
        for pid in _worker_pids(e.pool):
            os.kill(pid, signal.SIGKILL)
        await _until(lambda: e.pool._live == 0)
        assert not e.health()["ok"] and "cannot fork" in e.health()["error"]
        result = await e.score(RIGHT)
        assert result.verdict is Verdict.ERROR and "pool unavailable" in result.reason
        monkeypatch.undo()
        await _until(lambda: e.health()["ok"], timeout=15)
        assert (await e.score(RIGHT)).verdict is Verdict.CORRECT


def test_healthz_is_503_while_the_pool_cannot_score(make_server, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    server = make_server(pool_workers=1)
    with server.client() as c:
        assert c.get("/healthz").status_code == 200 and c.head("/healthz").status_code == 200
        pool = _app_engine(server).pool
        monkeypatch.setattr(pool._spawner, "spawn", _refuse)
        for pid in _worker_pids(pool):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while c.get("/healthz").status_code != 503:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        body = c.get("/healthz").json()
        assert body["status"] == "unavailable" and body["pool"]["workers"] == 0
        monkeypatch.undo()
        while c.get("/healthz").status_code != 200:
            assert time.monotonic() < deadline + 15
            time.sleep(0.05)
        assert "veriward_pool_worker_restarts_total 1.0" in c.get("/metrics").text
        assert c.post("/v1/score", json=RIGHT).json()["verdict"] == "correct"


def _refuse() -> tuple[int, object]:
    raise OSError("injected: cannot fork")


def _app_engine(server: object) -> Engine:
    app = server.server.config.app  # type: ignore[attr-defined]
    engine: Engine = app.state.engine
    return engine


def test_library_example_runs_as_a_script_without_a_main_guard(tmp_path: Path) -> None:
    # Workers come from the zygote, which never imports the caller's __main__.
    script = tmp_path / "example.py"
    script.write_text(
        textwrap.dedent(
            """
            import veriward
            print(veriward.score("math", response="\\\\boxed{2\\\\pi}", reference="6.283185").verdict)
            """
        )
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "correct"
    assert len(out.stderr.splitlines()) < 5, out.stderr[-2000:]

"""The REPL pool: reuse per header, eviction, wall-clock kill of the whole process group, recycling,
the memory limit and the bounded queue.

TEST DOUBLE: no Lean toolchain can be installed on this machine, so the REPLs here are real child processes
running `tests/lean_fake_repl.py`, which speaks the REPL protocol by replaying the real REPL's recorded
transcripts (/work/shared/lean/repl-transcripts/). Everything else (pipes, process groups, signals, memory
readings from /proc) is real.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest
from conftest import SHARED

from veriward.errors import Overloaded
from veriward.verifiers.lean._pool import HeaderError, PoolConfig, ReplPool
from veriward.verifiers.lean._repl import MemoryExceeded

TRANSCRIPTS = SHARED / "lean" / "repl-transcripts"
FAKE = Path(__file__).with_name("lean_fake_repl.py")
HEADER = "def f := 37"  # recorded: answers {"env": 0}
PROOF = "#check (rfl : f = 37)"  # recorded in that env: an info message
OTHER_HEADER = "def f (x : Unit) : Nat := by sorry"  # recorded too (readme transcript)

pytestmark = pytest.mark.skipif(
    not (TRANSCRIPTS / "def_eval.in").exists(), reason=f"no REPL transcripts at {TRANSCRIPTS}"
)


def make_pool(knobs: dict[str, str] | None = None, **kw: object) -> ReplPool:
    """A pool of fake REPLs; `knobs` go on their command line (Lean processes get an empty environment)."""
    args = [f"{k}={v}" for k, v in (knobs or {}).items()]
    cfg = PoolConfig(argv=(sys.executable, str(FAKE), str(TRANSCRIPTS), *args), cwd=None, **kw)  # type: ignore[arg-type]
    return ReplPool(cfg)


def soon(seconds: float = 20.0) -> float:
    return time.monotonic() + seconds


def gone(pid: int) -> bool:
    """The process no longer runs (absent, or a zombie waiting for its parent)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state == "Z"


async def wait_gone(pid: int, within: float = 5.0) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if gone(pid):
            return True
        await asyncio.sleep(0.05)
    return gone(pid)


async def prove(pool: ReplPool, header: str = HEADER, deadline: float | None = None) -> int:
    async with pool.lease(header, deadline or soon()) as repl:
        r = await repl.send({"cmd": PROOF, "env": repl.header_env}, deadline or soon())
        assert [m.data for m in r.messages] == ["rfl : f = f"]
        return repl.pid


async def test_header_is_loaded_once_per_process_and_reused() -> None:
    pool = make_pool(size=2)
    try:
        pids = [await prove(pool) for _ in range(3)]
        assert len(set(pids)) == 1
        assert pool.stats()["started"] == 1 and pool.stats()["idle"] == 1
    finally:
        await pool.close()


async def test_other_header_evicts_an_idle_repl_when_full() -> None:
    pool = make_pool(size=1)
    try:
        first = await prove(pool)
        async with pool.lease(OTHER_HEADER, soon()) as repl:
            assert repl.pid != first and repl.header_env == 0
        assert await wait_gone(first)
        assert pool.stats()["started"] == 2 and pool.stats()["live"] == 1
    finally:
        await pool.close()


async def test_unknown_header_is_a_header_error() -> None:
    pool = make_pool(size=1)
    try:
        with pytest.raises(HeaderError):
            async with pool.lease("import NoSuchModule", soon()):
                pass
        assert pool.stats() | {"started": 0} == {**pool.stats(), "live": 0, "busy": 0, "started": 0}
        assert await prove(pool) > 0  # the slot was given back
    finally:
        await pool.close()


async def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    pool = make_pool({"HANG_ON": "HANG", "CHILD_PIDFILE": str(pidfile)}, size=1)
    try:
        t0 = time.monotonic()
        with pytest.raises(TimeoutError):
            async with pool.lease(HEADER, soon()) as repl:
                pid = repl.pid
                await repl.send({"cmd": "HANG", "env": 0}, time.monotonic() + 0.5)
        assert time.monotonic() - t0 < 10
        assert await wait_gone(pid), "the REPL survived its timeout"
        assert await wait_gone(int(pidfile.read_text())), "the REPL's child (as under `lake env`) survived"
        assert await prove(pool) != pid  # a fresh REPL replaces it
    finally:
        await pool.close()


async def test_recycled_after_max_proofs() -> None:
    pool = make_pool(size=1, max_proofs=2)
    try:
        pids = [await prove(pool) for _ in range(3)]
        assert pids[0] == pids[1] != pids[2]
        assert await wait_gone(pids[0])
        assert pool.stats()["recycled"] == 1
    finally:
        await pool.close()


async def test_recycled_when_memory_grows() -> None:
    pool = make_pool({"GROW_MB": "80"}, size=1, memory_mb=400, recycle_fraction=0.3)  # recycle above 120 MiB
    try:
        first = await prove(pool)  # header + proof: about 160 MiB held
        assert pool.stats()["recycled"] == 1
        assert await wait_gone(first)
        assert await prove(pool) != first
    finally:
        await pool.close()


async def test_memory_limit_kills_a_growing_repl() -> None:
    pool = make_pool({"GROW_MB": "200", "DELAY_S": "5"}, size=1, memory_mb=120)
    try:
        t0 = time.monotonic()
        with pytest.raises(MemoryExceeded):
            async with pool.lease("", soon()) as repl:
                pid = repl.pid
                await repl.send({"cmd": PROOF}, soon(), memory_mb=120)
        assert time.monotonic() - t0 < 5, "killed only when the command ended, not when memory grew"
        assert await wait_gone(pid)
    finally:
        await pool.close()


async def test_bounded_queue_overloads_then_drains() -> None:
    pool = make_pool(size=1, queue_size=1)
    hold = asyncio.Event()
    try:

        async def holder() -> int:
            async with pool.lease(HEADER, soon()) as repl:
                await hold.wait()
                return repl.pid

        first = asyncio.create_task(holder())
        while pool.stats()["busy"] == 0:
            await asyncio.sleep(0.01)
        second = asyncio.create_task(prove(pool))
        while pool.stats()["waiting"] == 0:
            await asyncio.sleep(0.01)
        with pytest.raises(Overloaded):
            async with pool.lease(HEADER, soon()):
                pass
        hold.set()
        assert await first == await second  # the queued proof got the same warm REPL
        assert pool.stats()["waiting"] == 0 and pool.stats()["busy"] == 0
    finally:
        await pool.close()


async def test_waiting_past_the_deadline_times_out_and_frees_its_place() -> None:
    pool = make_pool(size=1, queue_size=4)
    hold = asyncio.Event()
    try:

        async def holder() -> None:
            async with pool.lease(HEADER, soon()):
                await hold.wait()

        task = asyncio.create_task(holder())
        while pool.stats()["busy"] == 0:
            await asyncio.sleep(0.01)
        with pytest.raises(TimeoutError):
            async with pool.lease(HEADER, time.monotonic() + 0.3):
                pass
        assert pool.stats()["waiting"] == 0
        hold.set()
        await task
        await prove(pool)
        assert pool.stats()["busy"] == 0
    finally:
        await pool.close()


async def test_slow_header_keeps_loading_for_the_next_proof() -> None:
    pool = make_pool({"DELAY_S": "1.0"}, size=1)
    try:
        with pytest.raises(TimeoutError):
            async with pool.lease(HEADER, time.monotonic() + 0.2):
                pass
        end = time.monotonic() + 20
        while pool.stats()["idle"] == 0 and time.monotonic() < end:
            await asyncio.sleep(0.05)
        assert pool.stats() | {} == {**pool.stats(), "idle": 1, "busy": 0, "started": 1}
        await prove(pool)
        assert pool.stats()["started"] == 1  # the adopted REPL served it
    finally:
        await pool.close()


async def test_close_kills_every_repl() -> None:
    pool = make_pool(size=2)
    pid = await prove(pool)
    await pool.close()
    assert await wait_gone(pid)

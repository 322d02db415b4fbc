"""A pool of killable worker processes: the hard wall-clock budget for CPU-bound scorers.

Workers are forked by a zygote that has already imported the scorers (`veriward._zygote`), so a killed
worker is replaced in milliseconds. Each worker talks to the pool over its own socket and nothing is
shared between workers, so a worker that dies at any moment (killed by its budget, by the OOM killer or by
an operator) costs only its own task; the pool notices the death at once, even while the worker is idle,
and starts a replacement.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from veriward import _worker
from veriward._spawner import Spawner
from veriward.errors import WorkerDied
from veriward.verifiers.base import Outcome

T = TypeVar("T")
log = logging.getLogger("veriward.pool")


class PoolUnavailable(Exception):
    """The pool has no live worker and cannot start one (see the reason)."""


@dataclass(eq=False)
class _Worker:
    pid: int
    conn: Any  # multiprocessing.connection.Connection
    tasks: int = 0

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self.pid, signal.SIGKILL)
        self.conn.close()


class WorkerPool:
    """Runs importable functions in worker processes; a task past its deadline has its worker killed."""

    def __init__(self, workers: int, max_tasks: int = 0, memory_mb: int = 4096) -> None:
        self.workers = workers
        self.max_tasks = max_tasks
        self.restarts = 0  # workers lost (killed at a deadline, crashed, retired) and replaced
        self._spawner = Spawner(memory_mb)
        self._idle: deque[_Worker] = deque()
        self._busy: set[_Worker] = set()
        self._waiters: deque[asyncio.Future[_Worker]] = deque()
        self._live = 0  # workers started and not yet lost
        self._pending = 0  # replacements being started
        self._closed = False
        self._spawn_error: str | None = None  # why the last replacement failed; None once one starts
        self._tasks: set[asyncio.Task[None]] = set()

    # -- life cycle -------------------------------------------------------------------------------

    async def start(self, timeout: float = 120.0) -> None:
        """Start the zygote and every worker now, so the first requests do not pay for start-up."""
        self._spawner.start()
        for _ in range(self.workers):
            pid, conn = await asyncio.wait_for(asyncio.to_thread(self._spawner.spawn), timeout)
            self._live += 1
            self._release(_Worker(pid, conn))

    def close(self) -> None:
        self._closed = True
        loop = _loop_or_none()
        while self._idle:
            w = self._idle.popleft()
            if loop is not None:
                loop.remove_reader(w.conn.fileno())
            w.kill()
        for t in self._tasks:
            t.cancel()
        for fut in self._waiters:
            if not fut.done():
                fut.set_exception(PoolUnavailable("the pool is closed"))
        self._spawner.close()

    def pids(self, idle_only: bool = False) -> list[int]:
        """The live workers' process ids (for operators and fault-injection tests)."""
        busy = [] if idle_only else [w.pid for w in self._busy]
        return [w.pid for w in self._idle] + busy

    def health(self) -> dict[str, Any]:
        """What `/healthz` reports: can this pool score now?"""
        ok = not self._closed and (self._live > 0 or (self._pending > 0 and self._spawn_error is None))
        return {
            "ok": ok,
            "workers": self._live,
            "idle": len(self._idle),
            "restarts": self.restarts,
            "error": self._spawn_error,
        }

    # -- workers ----------------------------------------------------------------------------------

    def _release(self, w: _Worker) -> None:
        """Hand a free worker to the first waiter, or park it (watching it for death while idle)."""
        if self.max_tasks and w.tasks >= self.max_tasks:
            self._lose(w, "retired after its task quota", count=False)
            return
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_result(w)
                return
        self._idle.append(w)
        asyncio.get_running_loop().add_reader(w.conn.fileno(), self._idle_died, w)

    def _idle_died(self, w: _Worker) -> None:
        # An idle worker's socket only becomes readable when the worker is gone.
        with contextlib.suppress(ValueError):
            self._idle.remove(w)
        asyncio.get_running_loop().remove_reader(w.conn.fileno())
        log.warning("pool worker %d died while idle; starting a replacement", w.pid)
        self._lose(w, "died while idle")

    def _lose(self, w: _Worker, why: str, count: bool = True) -> None:
        w.kill()
        self._live -= 1
        if count:
            self.restarts += 1
        if not self._closed:
            self._pending += 1
            task = asyncio.get_running_loop().create_task(self._replace(why))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _replace(self, why: str) -> None:
        delay = 0.05
        try:
            while not self._closed:
                try:
                    pid, conn = await asyncio.to_thread(self._spawner.spawn)
                except OSError as exc:
                    self._spawn_error = f"{type(exc).__name__}: {exc}"
                    log.error("pool cannot start a worker (%s): %s; retrying in %.1f s", why, exc, delay)
                    self._fail_waiters_if_empty()
                    await asyncio.sleep(delay)
                    delay = min(2.0, delay * 2)
                    continue
                self._spawn_error = None
                self._live += 1
                self._release(_Worker(pid, conn))
                return
        finally:
            self._pending -= 1

    def _fail_waiters_if_empty(self) -> None:
        if self._live > 0:
            return
        while self._waiters:
            fut = self._waiters.popleft()
            if not fut.done():
                fut.set_exception(PoolUnavailable(f"no worker can be started: {self._spawn_error}"))

    async def _acquire(self, timeout: float) -> _Worker:
        loop = asyncio.get_running_loop()
        if self._idle:
            w = self._idle.popleft()
            loop.remove_reader(w.conn.fileno())
            return w
        if self._live == 0 and self._spawn_error is not None:
            raise PoolUnavailable(f"no worker can be started: {self._spawn_error}")
        fut: asyncio.Future[_Worker] = loop.create_future()
        self._waiters.append(fut)
        try:
            return await asyncio.wait_for(asyncio.shield(fut), timeout)
        except BaseException:
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                self._release(fut.result())  # handed over just as we gave up: pass it on
            else:
                fut.cancel()
            raise

    # -- tasks ------------------------------------------------------------------------------------

    async def call(self, fn: Callable[..., T], *args: Any, deadline: float, retry: bool = False) -> T:
        """Run an importable function in a worker; `TimeoutError` past `deadline` (waiting for a worker
        included; the worker is killed), `WorkerDied` if the worker died, `PoolUnavailable`.

        With `retry`, a task whose worker died is tried once more on a fresh worker, so that a worker
        lost to something outside (the OOM killer, an operator) does not decide the task.
        """
        try:
            return await self._call_once(fn, args, deadline)
        except WorkerDied:
            if not retry or deadline <= time.monotonic():
                raise
        return await self._call_once(fn, args, deadline)

    async def _call_once(self, fn: Callable[..., T], args: tuple[Any, ...], deadline: float) -> T:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("budget exhausted before the task started")
        w = await self._acquire(remaining)
        self._busy.add(w)
        try:
            status, value = await self._exchange(w, fn, args, deadline - time.monotonic())
        except TimeoutError:
            self._lose(w, "killed at its task's deadline")
            raise
        except (EOFError, OSError):
            log.warning("pool worker %d died while running a task", w.pid)
            self._lose(w, "died while running a task")
            raise WorkerDied(f"worker {w.pid} died while scoring") from None
        except BaseException:  # cancelled: the worker is still busy with the abandoned task
            self._lose(w, "abandoned by a cancelled call", count=False)
            raise
        finally:
            self._busy.discard(w)
        w.tasks += 1
        self._release(w)
        if status == "raise":
            raise value
        result: T = value
        return result

    async def _exchange(
        self, w: _Worker, fn: Callable[..., Any], args: tuple[Any, ...], timeout: float
    ) -> Any:
        if timeout <= 0:
            raise TimeoutError("budget exhausted while waiting for a worker")
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        fd = w.conn.fileno()
        loop.add_reader(fd, _set_once, ready)
        try:
            w.conn.send((fn, args))  # the idle worker is reading: this does not block for long
            await asyncio.wait_for(ready, timeout)
        finally:
            loop.remove_reader(fd)
        return w.conn.recv()  # the whole reply is on its way; EOFError if the worker died

    async def run(self, name: str, response: str, reference: Any, options: Any, deadline: float) -> Outcome:
        """Run a pooled scorer's `check`; every failure comes back as a verdict.

        A worker that dies while scoring is given one more try on a fresh worker: a second death on the
        same input is the input's doing (it crashes the scorer), so it is `invalid`, never `error`.
        """
        budget = deadline - time.monotonic()
        args = (name, response, reference, options)
        try:
            return await self.call(_worker.run_check, *args, deadline=deadline, retry=True)
        except TimeoutError:
            return Outcome.timeout(f"scoring exceeded its {max(budget, 0):.1f} s budget and was killed")
        except PoolUnavailable as exc:
            return Outcome.error(f"scoring pool unavailable: {exc}")
        except WorkerDied as exc:
            return Outcome.invalid(f"the response crashed the scorer twice ({exc})")


def _set_once(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


def _loop_or_none() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None

"""The layered backend: Docker as the perimeter, fresh bubblewrap namespaces for every job inside it.

A small pool of long-lived hardened containers (see `_layered_pool`), each running one job at a time, so
the container's cgroup bounds exactly one job: its memory (with its tmpfs and shared memory), its
processes and its CPU. Inside, each job gets what the process backend gives it (`_bwrap`: fresh user,
mount, pid, net, ipc, uts and cgroup namespaces, read-only root, a private `/tmp` and `/dev/shm`, the
job as pid 1 so its processes die with it, rlimits including an address-space cap per process) plus
the inner seccomp filter. A container is recycled after `max_runs` jobs, after any job that did not end
by a plain exit (timeout, OOM kill, killed, lost, cancelled) and `max_age_s` after it was made; jobs
never wait on Docker for anything but a new container, and `warm` of them are kept ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from veriward import metrics
from veriward.sandbox._base import (
    Limits,
    RunResult,
    Sandbox,
    SandboxUnavailable,
    check_files,
    run_holding_slot,
)
from veriward.sandbox._docker_setup import DEFAULT_IMAGE, EngineClient, reap
from veriward.sandbox._layered_pool import (
    Container,
    NotStarted,
    Ran,
    container_key,
    create,
    remove,
    run_job,
)
from veriward.sandbox._seccomp import inner_filter

# Images on which a trial job passed (per process): `check` runs one only once per image.
_WORKS: set[str] = set()
_WORKS_LOCK = threading.Lock()
_SLACK_S = 3600  # expiry label = age limit + this: no owner uses a container past it


class LayeredSandbox(Sandbox):
    """Layered backend. `max_jobs` jobs (and so containers) at once; `warm` idle containers kept ready."""

    name = "layered"

    def __init__(
        self,
        image: str = DEFAULT_IMAGE,
        warm: int = 2,
        max_jobs: int = 8,
        limits: Limits | None = None,
        max_runs: int = 100,
        max_age_s: float = 300.0,
    ) -> None:
        self.image = image
        self.warm = warm
        self.max_jobs = max_jobs
        self.default_limits = limits or Limits()
        self.max_runs = max_runs
        self.max_age_s = max_age_s
        self.owner = uuid.uuid4().hex
        self._api = EngineClient()
        self._executor: ThreadPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None
        self._idle: list[Container] = []  # most recently used last
        self._lock = threading.Lock()
        self._creating = 0
        self._live: set[str] = set()  # ids of containers made and not yet retired (idle or serving a job)
        self._upkeep: asyncio.Task[None] | None = None
        self._closing = False
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- availability ------------------------------------------------------------------------------

    def check(self) -> str | None:
        """Docker answers, the image exists, and a trial job runs in bubblewrap in a hardened container."""
        reason = self._api.reason(self.image)
        if reason is not None:
            return reason
        try:
            inner_filter()
        except ValueError as exc:
            return str(exc)
        with _WORKS_LOCK:
            if self.image in _WORKS:
                return None
        reason = self._trial()
        if reason is None:
            with _WORKS_LOCK:
                _WORKS.add(self.image)
        return reason

    def _trial(self) -> str | None:
        api = self._api()
        try:
            c = create(api, self.image, Limits(), self.owner, 600)
        except Exception as exc:
            return f"cannot start a layered container: {type(exc).__name__}: {str(exc)[:200]}"
        try:
            ran = run_job(api, c, ["true"], {}, b"", Limits(wall_s=30))
        except SandboxUnavailable as exc:
            if "No such file" in str(exc):
                return f"{self.image} has no bubblewrap; rebuild it with `veriward sandbox build-image`"
            return str(exc)
        finally:
            remove(api, c)
        if ran.result.exit_code != 0:
            err = ran.result.stderr.decode(errors="replace").strip().splitlines()
            return f"bubblewrap cannot make namespaces in a container here: {err[-1] if err else ran.result}"
        return None

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._executor is not None:
            return
        reason = await asyncio.to_thread(self.check)
        if reason is not None:
            raise SandboxUnavailable(reason)
        self._executor = ThreadPoolExecutor(2 * self.max_jobs + 4, thread_name_prefix="veriward-layered")
        self._slots = asyncio.Semaphore(self.max_jobs)
        await asyncio.to_thread(reap, self._api(), self.owner, False)
        self._wake = asyncio.Event()
        self._closing = False
        self._loop = asyncio.get_running_loop()
        self._upkeep = asyncio.create_task(self._keep_up())

    async def close(self) -> None:
        self._closing = True
        if self._upkeep is not None:
            self._wake.set()
            self._upkeep.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._upkeep
            self._upkeep = None
        if self._executor is not None:
            executor, self._executor = self._executor, None
            await asyncio.to_thread(executor.shutdown, True, cancel_futures=True)
            with self._lock:
                idle, self._idle = self._idle, []
            for c in idle:
                await asyncio.to_thread(remove, self._api(), c)
            await asyncio.to_thread(reap, self._api(), self.owner, True)
        self._slots = None

    # -- the pool ----------------------------------------------------------------------------------

    def _fresh(self, c: Container) -> bool:
        return c.runs < self.max_runs and time.monotonic() - c.born < self.max_age_s

    def _make(self, limits: Limits) -> Container:
        c = create(self._api(), self.image, limits, self.owner, self.max_age_s + _SLACK_S)
        with self._lock:
            self._live.add(c.cid)
        return c

    def _retire(self, c: Container) -> None:
        with self._lock:
            self._live.discard(c.cid)
        if self._executor is not None:
            self._executor.submit(remove, self._api(), c)
        else:
            remove(self._api(), c)

    def _give_back(self, c: Container, reusable: bool) -> None:
        """A job is done with `c` (called from its thread): keep it for the next job, or retire it."""
        if reusable and not c.cancelled and self._fresh(c) and self._executor is not None:
            with self._lock:
                self._idle.append(c)
        else:
            self._retire(c)
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop may be gone at shutdown
                self._loop.call_soon_threadsafe(self._wake.set)

    def _take_idle(self, key: tuple[int, int, float]) -> Container | None:
        with self._lock:
            for i in range(len(self._idle) - 1, -1, -1):
                c = self._idle[i]
                if c.key == key and self._fresh(c):
                    del self._idle[i]
                    return c
        return None

    async def _container(self, limits: Limits, fresh: bool) -> Container:
        if container_key(limits) != container_key(self.default_limits):
            self.default_limits = limits  # warm containers follow the limits jobs actually ask for
            self._wake.set()
        c = None if fresh else self._take_idle(container_key(limits))
        if c is not None:
            return c
        loop = asyncio.get_running_loop()
        fut = loop.run_in_executor(self._executor, self._make, limits)
        try:
            return await asyncio.shield(fut)
        except asyncio.CancelledError:
            fut.add_done_callback(self._retire_when_made)
            raise
        except SandboxUnavailable:
            raise
        except Exception as exc:
            raise SandboxUnavailable(f"cannot start a container: {type(exc).__name__}: {exc}") from exc

    def _retire_when_made(self, fut: asyncio.Future[Container]) -> None:
        if not fut.cancelled() and fut.exception() is None:
            self._retire(fut.result())

    async def _keep_up(self) -> None:
        """Retire idle containers past their age or over the cap; keep `warm` ready for current limits."""
        loop = asyncio.get_running_loop()
        while not self._closing:
            with self._lock:
                old = [c for c in self._idle if not self._fresh(c)]
                keep = [c for c in self._idle if self._fresh(c)]
                over = max(0, len(keep) - max(self.warm, self.max_jobs))
                self._idle = keep[over:]
                old += keep[:over]
                key = container_key(self.default_limits)
                # no more than max_jobs containers in all: past that, one serving a job comes back first
                room = self.max_jobs - (len(self._live) - len(old)) - self._creating
                short = min(room, self.warm - self._creating - sum(c.key == key for c in self._idle))
            for c in old:
                self._retire(c)
            if short > 0:
                self._creating += 1
                try:
                    c = await loop.run_in_executor(self._executor, self._make, self.default_limits)
                except Exception:
                    await asyncio.sleep(1.0)  # the engine is struggling; jobs make their own meanwhile
                else:
                    self._give_back(c, True)
                finally:
                    self._creating -= 1
                continue
            self._wake.clear()
            # asyncio.timeout, not wait_for: 3.11's wait_for swallows a cancel that races the event's set
            # (a job handing back its container as close() cancels this task), and close() then waits
            # forever; `_closing` ends the loop even so.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(1.0, self.max_age_s / 10)):
                    await self._wake.wait()

    # -- running a job -----------------------------------------------------------------------------

    async def run(
        self,
        argv: list[str],
        files: dict[str, bytes] | None = None,
        stdin: bytes = b"",
        limits: Limits | None = None,
    ) -> RunResult:
        if self._executor is None:
            await self.start()
        assert self._slots is not None and self._executor is not None
        limits = limits or self.default_limits
        checked = check_files(files)
        await self._slots.acquire()
        for attempt in (1, 2):
            try:
                res = await self._run_once(argv, checked, stdin, limits, fresh=attempt == 2)
            except NotStarted as exc:
                # An idle container that vanished (removed from outside, the engine restarted) is the
                # pool's loss, not the job's: once more, on a container made for it (the other idle
                # ones may be gone too).
                metrics.sandbox_failure(self.name, "attach")
                if attempt == 2:
                    raise SandboxUnavailable(str(exc)) from None
                await self._slots.acquire()
                continue
            if res.timed_out:
                metrics.sandbox_timeout(self.name)
            return res
        raise AssertionError("unreachable")

    async def _run_once(
        self, argv: list[str], files: dict[str, bytes], stdin: bytes, limits: Limits, fresh: bool
    ) -> RunResult:
        """One try (the caller holds a slot, which this hands on to the job's thread)."""
        assert self._slots is not None and self._executor is not None
        try:
            c = await self._container(limits, fresh)
        except BaseException as exc:
            self._slots.release()
            if isinstance(exc, SandboxUnavailable):
                metrics.sandbox_failure(self.name, "create")
            raise
        metrics.sandbox_run(self.name)
        try:
            return await run_holding_slot(
                self._slots,
                self._executor,
                self._run_sync,
                c,
                argv,
                files,
                stdin,
                limits,
                on_cancel=lambda: self._cancel(c),
            )
        except NotStarted:
            raise
        except SandboxUnavailable:
            metrics.sandbox_failure(self.name, "spawn")
            raise

    def _cancel(self, c: Container) -> None:
        """The caller gave up: remove the container now (its job dies with it; the thread then ends)."""
        c.cancelled = True
        self._retire(c)

    def _run_sync(
        self, c: Container, argv: list[str], files: dict[str, bytes], stdin: bytes, limits: Limits
    ) -> RunResult:
        ran = Ran(RunResult(None, b"", b"", 0.0, backend=self.name), False)
        try:
            ran = run_job(self._api(), c, argv, files, stdin, limits)
        finally:
            self._give_back(c, ran.reusable)
        return ran.result

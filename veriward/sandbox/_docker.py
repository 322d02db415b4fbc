"""The Docker backend: one fresh, single-use container per job, started ahead of time.

Every container: `--network none`, read-only root, size-capped tmpfs `/box` and `/tmp`, memory =
memory+swap, a pids limit, a CPU quota, `--cap-drop ALL`, `no-new-privileges`, uid 65534, nofile /
fsize / core ulimits. A small boot program (pid 1 until it execs the job) waits on stdin for the
job's files and command, so containers can be created and started before a job arrives; each one
serves exactly one job and is then removed, so nothing (files, processes, env) can carry over.
Containers are labelled with their owner (a random id per backend object) and an expiry time: each
backend removes its own at shutdown, and any backend removes expired ones at start.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import json
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from veriward import metrics
from veriward.sandbox._base import (
    TMP_DIR,
    Limits,
    RunResult,
    Sandbox,
    SandboxUnavailable,
    check_files,
    run_holding_slot,
)
from veriward.sandbox._docker_setup import (
    BOOT,
    DEFAULT_IMAGE,
    LABEL,
    USER,
    EngineClient,
    demux,
    host_config,
    owner_labels,
    reap,
)
from veriward.sandbox._pipes import BoundedBuffer

__all__ = ["DEFAULT_IMAGE", "LABEL", "DockerSandbox"]


class _AttachFailed(SandboxUnavailable):
    """The job could not attach to its container (it vanished first); the job never started."""


class DockerSandbox(Sandbox):
    """Docker backend. `warm` containers are kept started ahead of jobs, with the limits of the last job."""

    name = "docker"

    def __init__(
        self, image: str = DEFAULT_IMAGE, warm: int = 2, max_jobs: int = 8, limits: Limits | None = None
    ) -> None:
        self.image = image
        self.warm = warm
        self.max_jobs = max_jobs
        self.default_limits = limits or Limits()
        self.owner = uuid.uuid4().hex
        self._api = EngineClient()
        self._executor: ThreadPoolExecutor | None = None
        self._ready: asyncio.Queue[tuple[str, tuple[int, int, float, int, int, int, int]]] | None = None
        self._refill: list[asyncio.Task[None]] = []
        self._creating = 0
        self._jobs: asyncio.Semaphore | None = None
        self._wake = asyncio.Event()

    # -- availability and lifecycle ---------------------------------------------------------------

    def check(self) -> str | None:
        return self._api.reason(self.image)

    async def start(self) -> None:
        if self._executor is not None:
            return
        reason = await asyncio.to_thread(self.check)
        if reason is not None:
            raise SandboxUnavailable(reason)
        self._executor = ThreadPoolExecutor(2 * self.max_jobs + 2, thread_name_prefix="veriward-docker")
        self._jobs = asyncio.Semaphore(self.max_jobs)
        self._ready = asyncio.Queue()
        await asyncio.to_thread(self.reap, False)
        if self.warm > 0:
            # Several creators at once: creating a container is mostly waiting on the engine.
            self._refill = [asyncio.create_task(self._keep_warm()) for _ in range(min(self.warm, 4))]

    async def close(self) -> None:
        for task in self._refill:
            task.cancel()
        for task in self._refill:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._refill = []
        if self._executor is not None:
            executor, self._executor = self._executor, None
            # Let container creations and running jobs finish (they are bounded), then remove everything.
            await asyncio.to_thread(executor.shutdown, True, cancel_futures=True)
            await asyncio.to_thread(self.reap, True)
        self._ready = None

    def reap(self, own: bool) -> int:
        """Remove our own containers (`own`), or those no veriward can still be using (expired)."""
        return reap(self._api(), self.owner, own)

    # -- containers -------------------------------------------------------------------------------

    def _create(self, limits: Limits) -> str:
        api = self._api()
        cid: str = api.create_container(
            self.image,
            ["python3", "-I", "-B", "-S", "-c", BOOT],
            user=USER,
            stdin_open=True,
            environment={"HOME": TMP_DIR, "TMPDIR": TMP_DIR, "LANG": "C.UTF-8"},
            network_disabled=True,
            labels=owner_labels(self.owner),
            host_config=host_config(api, limits),
        )["Id"]
        try:
            api.start(cid)
        except Exception:
            self._remove(cid)
            raise
        return cid

    def _remove(self, cid: str) -> None:
        with contextlib.suppress(Exception):
            self._api().remove_container(cid, force=True)

    async def _keep_warm(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            assert self._ready is not None
            if self._ready.qsize() + self._creating >= self.warm:
                self._wake.clear()
                await self._wake.wait()
                continue
            self._creating += 1
            try:
                lim = self.default_limits
                cid = await loop.run_in_executor(self._executor, self._create, lim)
                key = lim.container_key()
            except Exception:
                await asyncio.sleep(1.0)  # the engine is struggling; jobs create their own meanwhile
                continue
            finally:
                self._creating -= 1
            self._ready.put_nowait((cid, key))

    async def _container(self, limits: Limits, fresh: bool = False) -> str:
        loop = asyncio.get_running_loop()
        key = limits.container_key()
        if key != self.default_limits.container_key():
            self.default_limits = limits  # warm containers follow the limits jobs actually ask for
        while not fresh and self._ready is not None and not self._ready.empty():
            cid, made_for = self._ready.get_nowait()
            self._wake.set()
            if made_for == key:
                return cid
            loop.run_in_executor(self._executor, self._remove, cid)
        fut = loop.run_in_executor(self._executor, self._create, limits)
        try:
            return await asyncio.shield(fut)
        except asyncio.CancelledError:
            # The caller gave up (its budget ran out) while the engine was still creating the container:
            # remove it once it exists, or it would be left running.
            fut.add_done_callback(self._remove_when_created)
            raise
        except Exception as exc:
            raise SandboxUnavailable(f"cannot start a container: {type(exc).__name__}: {exc}") from exc

    def _remove_when_created(self, fut: asyncio.Future[str]) -> None:
        if not fut.cancelled() and fut.exception() is None and self._executor is not None:
            self._executor.submit(self._remove, fut.result())

    # -- running a job ----------------------------------------------------------------------------

    async def run(
        self,
        argv: list[str],
        files: dict[str, bytes] | None = None,
        stdin: bytes = b"",
        limits: Limits | None = None,
    ) -> RunResult:
        if self._executor is None:
            await self.start()
        assert self._jobs is not None
        limits = limits or self.default_limits
        header = json.dumps(
            {"argv": argv, "files": {k: base64.b64encode(v).decode() for k, v in check_files(files).items()}}
        ).encode()
        payload = b"%d\n" % len(header) + header + stdin
        await self._jobs.acquire()
        res = await self._run_in_container(payload, limits)
        if res.timed_out:
            metrics.sandbox_timeout(self.name)
        return res

    async def _run_in_container(self, payload: bytes, limits: Limits) -> RunResult:
        """Run one job (the caller holds a job slot, which this hands on to the job's thread).

        A warm container that vanished before the job could attach (removed from outside, the engine
        restarted) is replaced by a fresh one once: that is the pool's loss, not the job's.
        """
        assert self._jobs is not None and self._executor is not None
        for attempt in (1, 2):
            try:
                cid = await self._container(limits, fresh=attempt == 2)
            except BaseException as exc:
                self._jobs.release()
                if isinstance(exc, SandboxUnavailable):
                    metrics.sandbox_failure(self.name, "create")
                raise
            metrics.sandbox_run(self.name)
            executor = self._executor
            try:
                return await run_holding_slot(
                    self._jobs,
                    executor,
                    self._run_then_remove,
                    cid,
                    payload,
                    limits,
                    # Removing (force) kills the job of a cancelled caller at once; its thread then ends.
                    on_cancel=functools.partial(self._remove_soon, executor, cid),
                )
            except _AttachFailed as exc:
                metrics.sandbox_failure(self.name, "attach")
                if attempt == 2:
                    raise SandboxUnavailable(str(exc)) from None
                await self._jobs.acquire()
            except SandboxUnavailable:
                metrics.sandbox_failure(self.name, "container_lost")
                raise
        raise AssertionError("unreachable")

    def _remove_soon(self, executor: ThreadPoolExecutor, cid: str) -> None:
        executor.submit(self._remove, cid)

    def _run_then_remove(self, cid: str, payload: bytes, limits: Limits) -> RunResult:
        try:
            return self._run_sync(cid, payload, limits)
        except (_AttachFailed, SandboxUnavailable):
            raise
        except Exception as exc:  # the engine lost the container mid-run (removed, daemon restarted)
            raise SandboxUnavailable(f"the container was lost mid-run: {type(exc).__name__}: {exc}") from exc
        finally:
            self._remove(cid)

    def _run_sync(self, cid: str, payload: bytes, limits: Limits) -> RunResult:
        api = self._api()
        start = time.monotonic()
        deadline = start + limits.wall_s
        try:
            sock = api.attach_socket(cid, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
        except Exception as exc:
            raise _AttachFailed(f"cannot attach to a container: {exc}") from exc
        raw: socket.socket = getattr(sock, "_sock", sock)
        out, err = BoundedBuffer(limits.max_output_bytes), BoundedBuffer(limits.max_output_bytes)
        try:
            raw.settimeout(max(0.01, deadline - time.monotonic()))
            raw.sendall(payload)
            raw.shutdown(socket.SHUT_WR)
            timed_out = not demux(raw, out, err, deadline)
        except OSError:
            timed_out = time.monotonic() >= deadline
        finally:
            raw.close()
        if timed_out:
            with contextlib.suppress(Exception):
                api.kill(cid)
        state, killed = self._final_state(cid, deadline)
        timed_out = timed_out or killed
        return RunResult(
            exit_code=None if timed_out else state.get("ExitCode"),
            stdout=bytes(out.data),
            stderr=bytes(err.data),
            wall_s=time.monotonic() - start,
            timed_out=timed_out,
            oom_killed=bool(state.get("OOMKilled")),
            stdout_truncated=out.truncated,
            stderr_truncated=err.truncated,
            backend=self.name,
        )

    def _final_state(self, cid: str, deadline: float) -> tuple[dict[str, Any], bool]:
        """(State once the container has stopped, whether it had to be killed at the deadline)."""
        api = self._api()
        killed = False
        while True:
            state: dict[str, Any] = api.inspect_container(cid)["State"]
            if not state.get("Running"):
                return state, killed
            if time.monotonic() > deadline and not killed:
                with contextlib.suppress(Exception):
                    api.kill(cid)
                killed = True
            time.sleep(0.01)

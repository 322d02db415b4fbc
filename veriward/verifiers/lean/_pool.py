"""A pool of long-lived Lean REPL processes keyed by header, so `import Mathlib` is paid once per process.

At most `size` proofs are checked at once and at most `size` REPLs live; an idle REPL of another header is
evicted to make room. Callers beyond that wait in a bounded queue; when it is full, `Overloaded` (429).
A REPL is recycled after `max_proofs` proofs or once its memory passes `recycle_fraction` of the limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from veriward.errors import Overloaded
from veriward.verifiers.lean._repl import ReplProcess
from veriward.verifiers.lean._sandbox import JailConfig


class HeaderError(Exception):
    """The header itself does not elaborate (a missing module, a typo): no proof can be checked in it."""


@dataclass(frozen=True)
class PoolConfig:
    argv: tuple[str, ...]
    cwd: str | None
    size: int = 2
    max_proofs: int = 64
    memory_mb: int = 8192
    queue_size: int = 64
    header_timeout_s: float = 300.0
    recycle_fraction: float = 0.8
    jail: JailConfig = field(default_factory=lambda: JailConfig(bwrap=None))  # the server: bubblewrap


class ReplPool:
    """Leases REPLs whose header environment is loaded; see the module docstring for the policy."""

    def __init__(self, config: PoolConfig) -> None:
        self.config = config
        self._slots = asyncio.Semaphore(config.size)
        self._waiting = 0
        self._held = 0  # slots taken: proofs running plus header loads nobody waits for any more
        self._idle: list[ReplProcess] = []  # oldest first
        self._live: set[ReplProcess] = set()
        self._closed = False
        self._reaping: set[asyncio.Future[None]] = set()
        self.started = 0  # REPL processes started so far (for tests and /v1/verifiers)
        self.recycled = 0

    # -- public -------------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lease(self, header: str, deadline: float) -> AsyncIterator[ReplProcess]:
        """A REPL with `header` loaded, exclusively yours until the block ends.

        Raises `Overloaded` when the queue is full, `TimeoutError` when the deadline passes first,
        `HeaderError` when the header does not elaborate. A REPL that failed in the block is killed.
        """
        repl = await self._acquire(header, deadline)
        ok = False
        try:
            yield repl
            ok = True
        finally:
            await self._release(repl, ok)

    async def close(self) -> None:
        self._closed = True
        for r in list(self._live):
            await r.close()
        self._live.clear()
        self._idle.clear()
        if self._reaping:
            await asyncio.gather(*self._reaping, return_exceptions=True)

    def stats(self) -> dict[str, int]:
        return {
            "live": len(self._live),
            "idle": len(self._idle),
            "busy": self._held,
            "waiting": self._waiting,
            "started": self.started,
            "recycled": self.recycled,
        }

    # -- internals ----------------------------------------------------------------------------------

    async def _take_slot(self, deadline: float) -> None:
        if self._closed:
            raise RuntimeError("the Lean REPL pool is closed")
        if self._slots.locked() and self._waiting >= self.config.queue_size:
            raise Overloaded(
                f"all {self.config.size} Lean REPLs are busy and {self._waiting} proofs are queued; "
                "retry later"
            )
        self._waiting += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=max(0.0, deadline - time.monotonic()))
        finally:
            self._waiting -= 1
        self._held += 1

    def _free_slot(self) -> None:
        self._held -= 1
        self._slots.release()

    async def _acquire(self, header: str, deadline: float) -> ReplProcess:
        await self._take_slot(deadline)
        handed_off = False
        try:
            repl = self._pop_idle(header)
            if repl is not None:
                return repl
            self._make_room()
            task = asyncio.ensure_future(self._start(header))
            try:
                return await asyncio.wait_for(asyncio.shield(task), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                # Let the header finish loading in the background: the next proof gets a warm REPL.
                task.add_done_callback(self._adopt)
                handed_off = True
                raise
        except BaseException:
            if not handed_off:
                self._free_slot()
            raise

    def _pop_idle(self, header: str) -> ReplProcess | None:
        for r in list(self._idle):
            if not r.alive:
                self._idle.remove(r)
                self._live.discard(r)
            elif r.header == header:
                self._idle.remove(r)
                return r
        return None

    def _make_room(self) -> None:
        # `_held` includes the slot this caller holds, so this leaves room for the REPL about to start.
        while self._idle and len(self._idle) + self._held > self.config.size:
            victim = self._idle.pop(0)
            self._discard(victim)

    async def _start(self, header: str) -> ReplProcess:
        repl = await ReplProcess.spawn(self.config.argv, self.config.cwd, header, self.config.jail)
        self._live.add(repl)
        self.started += 1
        deadline = time.monotonic() + self.config.header_timeout_s
        try:
            if header.strip():
                resp = await repl.send({"cmd": header}, deadline, self.config.memory_mb)
                if resp.error or resp.errors or resp.env is None:
                    detail = resp.error or (resp.errors[0].data if resp.errors else "no environment returned")
                    raise HeaderError(f"the header does not elaborate: {detail}")
                repl.header_env = resp.env
            return repl
        except BaseException:
            self._discard(repl)
            raise

    def _adopt(self, task: asyncio.Future[ReplProcess]) -> None:
        """Done-callback of a header load whose requester gave up: keep the REPL, free the slot."""
        self._free_slot()
        if task.cancelled() or task.exception() is not None:
            return
        repl = task.result()
        if self._closed:
            self._discard(repl)
        else:
            self._idle.append(repl)

    async def _release(self, repl: ReplProcess, ok: bool) -> None:
        try:
            cfg = self.config
            if not ok or not repl.alive or self._closed:
                self._discard(repl)
                return
            repl.proofs += 1
            worn = repl.proofs >= cfg.max_proofs > 0
            if worn or repl.rss_mb() > cfg.memory_mb * cfg.recycle_fraction:
                self.recycled += 1
                self._discard(repl)
                return
            self._idle.append(repl)
        finally:
            self._free_slot()

    def _discard(self, repl: ReplProcess) -> None:
        self._live.discard(repl)
        with contextlib.suppress(ValueError):
            self._idle.remove(repl)
        repl.kill()
        # Reap in the background so a killed child never lingers as a zombie.
        task = asyncio.ensure_future(repl.close())
        self._reaping.add(task)
        task.add_done_callback(self._reaping.discard)


def build_argv(cmd: str | Sequence[str]) -> tuple[str, ...]:
    import shlex

    return tuple(shlex.split(cmd)) if isinstance(cmd, str) else tuple(cmd)

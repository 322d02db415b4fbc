"""The sandbox interface: run files + a command with stdin under limits, get back what happened.

A backend runs one *job* at a time per call: it places `files` read-only under `/box`, gives the
command a private, size-capped writable `/tmp` (also `$HOME`) and `/dev/shm` (the rest of `/dev` is
read-only), a private IPC namespace, no network, no capabilities and a non-root user, feeds `stdin`,
and returns the exit code, bounded stdout/stderr, times and peak memory. Nothing a job writes is
visible to any later job. The code scorer's languages (see `veriward.verifiers.code`) are built on this
and nothing else, so adding a language means adding a `Language` and an image, not a backend.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

# Where job files appear inside every backend, and the writable scratch directory.
BOX_DIR = "/box"
TMP_DIR = "/tmp"


class SandboxUnavailable(Exception):
    """The backend cannot run anything here (no engine, no image, no bubblewrap); the message says why."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one job (the whole sandbox, every process in it together where enforceable)."""

    wall_s: float = 10.0
    memory_mb: int = 512  # container memory (= memory + swap) or per-process address space
    pids: int = 64  # processes and threads
    cpus: float = 1.0  # CPU quota (Docker); the process backend relies on RLIMIT_CPU per process
    tmp_mb: int = 64  # size of the writable /tmp
    shm_mb: int = 1  # size of /dev/shm (POSIX shared memory); the rest of /dev is not writable
    nofile: int = 256
    fsize_mb: int = 64  # largest file a process may write
    max_output_bytes: int = 4 * 1024 * 1024  # stdout and stderr kept, each; the rest is counted and dropped

    def container_key(self) -> tuple[int, int, float, int, int, int, int]:
        """The limits fixed when a container is created (wall time and output are enforced per job)."""
        return (self.memory_mb, self.pids, self.cpus, self.tmp_mb, self.shm_mb, self.nofile, self.fsize_mb)


@dataclass
class RunResult:
    """What happened to one job. `exit_code` is None when the job was killed before it exited."""

    exit_code: int | None
    stdout: bytes
    stderr: bytes
    wall_s: float
    cpu_s: float | None = None
    peak_memory_mb: float | None = None
    timed_out: bool = False
    oom_killed: bool = False
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    backend: str = ""
    notes: list[str] = field(default_factory=list)


class Sandbox(abc.ABC):
    """A sandbox backend: `await start()` once, `await run(...)` many times concurrently, `await close()`."""

    name: str = ""

    @abc.abstractmethod
    def check(self) -> str | None:
        """None when the backend works here, else one line saying why not (cheap; no job is run)."""

    async def start(self) -> None:
        """Prepare (reap leftovers, warm up); raises `SandboxUnavailable` if the backend cannot work."""
        reason = self.check()
        if reason is not None:
            raise SandboxUnavailable(reason)

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release everything this backend holds (containers, processes)."""

    @abc.abstractmethod
    async def run(
        self,
        argv: list[str],
        files: dict[str, bytes] | None = None,
        stdin: bytes = b"",
        limits: Limits | None = None,
    ) -> RunResult:
        """Run `argv` (resolved in the sandbox's PATH, cwd `/box`) with `files` under `/box`.

        Raises `SandboxUnavailable` when the job could not be started at all (infrastructure);
        anything the job itself does (crash, timeout, out of memory) is reported in the result.
        """


def check_files(files: dict[str, bytes] | None) -> dict[str, bytes]:
    """Validate job file names: plain relative names, no directories, no traversal."""
    out: dict[str, bytes] = {}
    for name, data in (files or {}).items():
        if not name or "/" in name or name in (".", "..") or "\0" in name:
            raise ValueError(f"bad sandbox file name {name!r}")
        out[name] = bytes(data)
    return out


async def run_holding_slot(
    slot: asyncio.Semaphore,
    executor: Executor,
    fn: Callable[..., T],
    *args: Any,
    on_cancel: Callable[[], None],
) -> T:
    """Run blocking `fn` in `executor` while holding `slot` (acquired by the caller).

    The slot is released when `fn` has returned, not when the caller stops waiting: a caller cancelled
    mid-run calls `on_cancel` (which must stop the job at once: kill its processes or container) and the
    slot comes back once the job's thread is done, so slots never undercount the jobs really running.
    """
    loop = asyncio.get_running_loop()
    try:
        fut = loop.run_in_executor(executor, fn, *args)
    except BaseException:
        slot.release()
        raise
    fut.add_done_callback(lambda _: slot.release())
    try:
        return await asyncio.shield(fut)
    except asyncio.CancelledError:
        on_cancel()
        raise

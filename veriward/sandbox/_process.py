"""The process backend: bubblewrap with every namespace unshared, for hosts without a Docker engine.

Each job gets fresh user, mount, pid, net, ipc, uts and cgroup namespaces; the host's `/usr` read-only;
a size-capped private tmpfs `/tmp`; a read-only `/dev` but for a small tmpfs `/dev/shm`; the job files
read-only under `/box`; no network at all (a new network namespace holds only its own loopback). The
job's command is pid 1 of its pid namespace, so when it exits or is killed every process it started
dies with it. When veriward runs as root, each concurrent job runs as its own host uid, so RLIMIT_NPROC
bounds that job alone.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import threading
import time
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
from veriward.sandbox._bwrap import SANDBOX_ENV, Layout, bwrap_argv, local_layout, rlimits
from veriward.sandbox._pipes import communicate, job_rlimits, kill_group, wait_until
from veriward.sandbox._uids import host_uid


class _Job:
    """A running job's process, so that a cancelled caller can kill it from the event loop's thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._cancelled = False

    def started(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._proc = proc
            if self._cancelled:
                kill_group(proc)

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self._proc is not None:
                kill_group(self._proc)


class ProcessSandbox(Sandbox):
    """bubblewrap backend. `max_jobs` bounds the jobs this instance runs at once."""

    name = "process"

    def __init__(self, bwrap: str | None = None, max_jobs: int = 8) -> None:
        self.bwrap = bwrap or shutil.which("bwrap") or "bwrap"
        self.max_jobs = max_jobs
        self._slots: asyncio.Semaphore | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._checked: str | None = None
        self._checked_ok = False
        self._layout: Layout | None = None

    def _argv(self, box: str, limits: Limits, argv: list[str]) -> list[str]:
        if self._layout is None:
            self._layout = local_layout()
        return bwrap_argv(self.bwrap, self._layout, box, limits, argv)

    def check(self) -> str | None:
        """Run `true` in a full sandbox once; cache the answer."""
        if self._checked_ok:
            return None
        if self._checked is not None:
            return self._checked
        if shutil.which(self.bwrap) is None:
            self._checked = "bubblewrap (bwrap) is not installed"
            return self._checked
        with tempfile.TemporaryDirectory() as box, host_uid() as uid:
            os.chmod(box, 0o755)
            argv = self._argv(box, Limits(), ["true"])
            try:
                proc = subprocess.run(
                    argv, capture_output=True, timeout=20, env=SANDBOX_ENV, user=uid, group=uid
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                self._checked = f"bubblewrap failed to start: {exc}"
                return self._checked
        if proc.returncode != 0:
            msg = proc.stderr.decode(errors="replace").strip().splitlines()
            self._checked = f"bubblewrap cannot create namespaces here: {msg[-1] if msg else proc.returncode}"
            return self._checked
        self._checked_ok = True
        return None

    async def start(self) -> None:
        reason = await asyncio.to_thread(self.check)
        if reason is not None:
            raise SandboxUnavailable(reason)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.max_jobs)
            self._executor = ThreadPoolExecutor(self.max_jobs, thread_name_prefix="veriward-bwrap")

    async def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        self._slots = None

    async def run(
        self,
        argv: list[str],
        files: dict[str, bytes] | None = None,
        stdin: bytes = b"",
        limits: Limits | None = None,
    ) -> RunResult:
        if self._slots is None or self._executor is None:
            await self.start()
        assert self._slots is not None and self._executor is not None
        limits = limits or Limits()
        files = check_files(files)
        job = _Job()
        await self._slots.acquire()
        metrics.sandbox_run(self.name)
        try:
            res = await run_holding_slot(
                self._slots,
                self._executor,
                self._run_sync,
                argv,
                files,
                stdin,
                limits,
                job,
                on_cancel=job.cancel,
            )
        except SandboxUnavailable:
            metrics.sandbox_failure(self.name, "spawn")
            raise
        if res.timed_out:
            metrics.sandbox_timeout(self.name)
        return res

    def _run_sync(
        self, argv: list[str], files: dict[str, bytes], stdin: bytes, limits: Limits, job: _Job
    ) -> RunResult:
        with tempfile.TemporaryDirectory(prefix="veriward-box-") as box:
            os.chmod(box, 0o755)
            for name, data in files.items():
                path = os.path.join(box, name)
                with open(path, "wb") as f:
                    f.write(data)
                os.chmod(path, 0o644)
            with host_uid() as uid:
                return self._spawn(self._argv(box, limits, argv), stdin, limits, uid, job)

    def _spawn(
        self, full_argv: list[str], stdin: bytes, limits: Limits, uid: int | None, job: _Job
    ) -> RunResult:
        start = time.monotonic()
        deadline = start + limits.wall_s
        try:
            proc = subprocess.Popen(
                full_argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                env=SANDBOX_ENV,
                preexec_fn=job_rlimits(**rlimits(limits)),
                user=uid,
                group=uid,
                extra_groups=None if uid is None else [],
            )
        except OSError as exc:
            raise SandboxUnavailable(f"bubblewrap failed to start: {exc}") from exc
        job.started(proc)
        out, err, timed_out = communicate(proc, stdin, deadline, limits.max_output_bytes)
        status, usage, killed = wait_until(proc, deadline)
        timed_out = timed_out or killed
        code = None if timed_out or os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        return RunResult(
            exit_code=code,
            stdout=bytes(out.data),
            stderr=bytes(err.data),
            wall_s=time.monotonic() - start,
            cpu_s=usage.ru_utime + usage.ru_stime,
            peak_memory_mb=usage.ru_maxrss / 1024.0,
            timed_out=timed_out,
            stdout_truncated=out.truncated,
            stderr_truncated=err.truncated,
            backend=self.name,
            notes=[] if uid is None else [f"host uid {uid}"],
        )

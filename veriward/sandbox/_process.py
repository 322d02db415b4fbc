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
import contextlib
import fcntl
import glob
import os
import random
import resource
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

from veriward import metrics
from veriward.sandbox._base import (
    BOX_DIR,
    TMP_DIR,
    Limits,
    RunResult,
    Sandbox,
    SandboxUnavailable,
    check_files,
    run_holding_slot,
)
from veriward.sandbox._pipes import communicate, kill_group

# Host uids handed to concurrent jobs when running as root: far above any real account. A uid is held
# (flock on a file per uid) for the whole job, so no two jobs on this host, in any veriward process,
# ever share one, and RLIMIT_NPROC bounds a single job.
_UID_BASE = 1_900_000
_UID_COUNT = 4096
_UID_LOCKS = "/run/veriward-sandbox-uids"


@contextlib.contextmanager
def host_uid() -> Iterator[int | None]:
    """A host uid no other job on this host holds, for the duration of the block; None when not root."""
    if os.geteuid() != 0:
        yield None
        return
    os.makedirs(_UID_LOCKS, mode=0o700, exist_ok=True)
    first = random.randrange(_UID_COUNT)
    for k in range(_UID_COUNT):
        uid = _UID_BASE + (first + k) % _UID_COUNT
        fd = os.open(os.path.join(_UID_LOCKS, str(uid)), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            yield uid
        finally:
            os.close(fd)  # releases the lock; every process of the job is gone by now
        return
    raise SandboxUnavailable("no free sandbox uid on this host")


_SANDBOX_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": TMP_DIR, "LANG": "C.UTF-8", "TMPDIR": TMP_DIR}


def _system_binds() -> list[str]:
    """Read-only host system directories (and the usr-merge symlinks) the job needs to run programs."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib64", "lib32", "libx32"):
        path = f"/{name}"
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    # /etc/java-*: the JDK's conf/ links there (java.security); without it no JVM starts.
    etc = ("/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime", *sorted(glob.glob("/etc/java-*")))
    for path in etc:
        args += ["--ro-bind-try", path, path]
    return args


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

    def _argv(self, box: str, uid_inside: int, limits: Limits, argv: list[str]) -> list[str]:
        return [
            self.bwrap,
            "--unshare-all",
            "--unshare-user",
            "--disable-userns",
            "--uid", str(uid_inside),
            "--gid", str(uid_inside),
            "--hostname", "sandbox",
            "--die-with-parent",
            "--new-session",
            "--as-pid-1",
            "--cap-drop", "ALL",
            *_system_binds(),
            "--proc", "/proc",
            "--dev", "/dev",
            "--size", str(limits.shm_mb * 1024 * 1024),
            "--tmpfs", "/dev/shm",
            "--mqueue", "/dev/mqueue",  # so that the runner can see and remove POSIX message queues
            "--remount-ro", "/dev",  # bwrap's /dev is a tmpfs of half the host's RAM; /dev/shm stays rw
            "--size", str(limits.tmp_mb * 1024 * 1024),
            "--tmpfs", TMP_DIR,
            "--ro-bind", box, BOX_DIR,
            "--remount-ro", "/",  # the root bwrap builds is a tmpfs: make it read-only like the rest
            "--chdir", BOX_DIR,
            "--",
            *argv,
        ]  # fmt: skip

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
            argv = self._argv(box, 1000, Limits(), ["true"])
            try:
                proc = subprocess.run(
                    argv, capture_output=True, timeout=20, env=_SANDBOX_ENV, user=uid, group=uid
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
                return self._spawn(self._argv(box, 1000, limits, argv), stdin, limits, uid, job)

    def _spawn(
        self, full_argv: list[str], stdin: bytes, limits: Limits, uid: int | None, job: _Job
    ) -> RunResult:
        def set_limits() -> None:
            # Inherited by everything in the sandbox; with a per-job host uid NPROC counts this job only.
            mb = 1024 * 1024
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.pids, limits.pids))
            resource.setrlimit(resource.RLIMIT_NOFILE, (limits.nofile, limits.nofile))
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits.fsize_mb * mb, limits.fsize_mb * mb))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            resource.setrlimit(resource.RLIMIT_AS, (limits.memory_mb * mb, limits.memory_mb * mb))
            cpu = int(limits.wall_s * limits.cpus) + 1
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))

        start = time.monotonic()
        deadline = start + limits.wall_s
        try:
            proc = subprocess.Popen(
                full_argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                env=_SANDBOX_ENV,
                preexec_fn=set_limits,  # only setrlimit calls: safe after fork
                user=uid,
                group=uid,
                extra_groups=None if uid is None else [],
            )
        except OSError as exc:
            raise SandboxUnavailable(f"bubblewrap failed to start: {exc}") from exc
        job.started(proc)
        out, err, timed_out = communicate(proc, stdin, deadline, limits.max_output_bytes)
        status, usage = self._wait(proc, deadline)
        timed_out = timed_out or status is None
        if status is None:
            kill_group(proc)
            _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
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

    @staticmethod
    def _wait(proc: subprocess.Popen[bytes], deadline: float) -> tuple[int | None, resource.struct_rusage]:
        """wait4 with a deadline: (status, rusage), status None if still running at the deadline."""
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                return status, usage
            if time.monotonic() >= deadline:
                return None, usage
            time.sleep(0.005)

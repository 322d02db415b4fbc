"""Running one child with a deadline: rlimits, stdin fed, stdout/stderr kept bounded, wait4 with a deadline.

Standalone on purpose (no veriward imports, no `from __future__`): the process backend imports it, and
the layered backend's in-container agent is this file's text followed by `_layered_agent.py`, so both
run a sandbox's outermost process the same way.
"""

import contextlib
import glob
import os
import resource
import selectors
import signal
import subprocess
import time
from collections.abc import Callable

_MB = 1024 * 1024


class BoundedBuffer:
    """Keeps the first `limit` bytes written and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        self.dropped = 0

    def write(self, chunk: bytes) -> None:
        room = self.limit - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        self.dropped += max(0, len(chunk) - max(room, 0))

    @property
    def truncated(self) -> bool:
        return self.dropped > 0


def job_rlimits(memory_mb: int, pids: int, nofile: int, fsize_mb: int, cpu_s: int) -> Callable[[], None]:
    """A preexec_fn (only setrlimit calls: safe after fork) for the outermost process of a sandbox.

    Inherited by everything in the sandbox; RLIMIT_NPROC counts per uid (per user namespace since Linux
    5.14), so it bounds one job where each job has its own uid or user namespace.
    """

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NPROC, (pids, pids))
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize_mb * _MB, fsize_mb * _MB))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * _MB, memory_mb * _MB))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))

    return apply


def kill_group(proc: "subprocess.Popen[bytes]") -> None:
    """SIGKILL the child's whole session (it was started with `start_new_session=True`)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def communicate(
    proc: "subprocess.Popen[bytes]",
    stdin: bytes,
    deadline: float,
    limit: int,
    sinks: tuple[BoundedBuffer, BoundedBuffer] | None = None,
) -> tuple[BoundedBuffer, BoundedBuffer, bool]:
    """Write `stdin`, read stdout/stderr (each kept up to `limit` bytes) until both close or `deadline`.

    Returns (stdout, stderr, timed_out); on timeout the child's session is killed. `sinks` replace the
    two buffers (something that forwards what it keeps, say).
    """
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    out, err = sinks or (BoundedBuffer(limit), BoundedBuffer(limit))
    sel = selectors.DefaultSelector()
    pending = memoryview(stdin)
    if pending:
        os.set_blocking(proc.stdin.fileno(), False)
        sel.register(proc.stdin, selectors.EVENT_WRITE)
    else:
        proc.stdin.close()
    sel.register(proc.stdout, selectors.EVENT_READ, out)
    sel.register(proc.stderr, selectors.EVENT_READ, err)
    timed_out = False
    try:
        while any(k.events & selectors.EVENT_READ for k in sel.get_map().values()):
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                kill_group(proc)
                break
            for key, _ in sel.select(timeout=min(left, 0.5)):
                if key.fileobj is proc.stdin:
                    try:
                        n = os.write(proc.stdin.fileno(), pending[:65536])
                    except (BrokenPipeError, BlockingIOError) as exc:
                        n = 0 if isinstance(exc, BlockingIOError) else len(pending)
                    pending = pending[n:]
                    if not pending:
                        sel.unregister(proc.stdin)
                        proc.stdin.close()
                    continue
                chunk = os.read(key.fd, 65536)
                if chunk:
                    key.data.write(chunk)
                else:
                    sel.unregister(key.fileobj)
    finally:
        sel.close()
        for f in (proc.stdin, proc.stdout, proc.stderr):
            if not f.closed:
                f.close()
    return out, err, timed_out


def wait_until(proc: "subprocess.Popen[bytes]", deadline: float) -> tuple[int, resource.struct_rusage, bool]:
    """wait4 with a deadline: (status, rusage, killed); a child still running at the deadline is killed."""
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return status, usage, False
        if time.monotonic() >= deadline:
            kill_group(proc)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            return status, usage, True
        time.sleep(0.005)


def probe_paths(paths: list[str], patterns: list[str]) -> dict[str, list[str]]:
    """What each path is here ("link" and its target, "dir", "file"; absent paths left out), and the
    paths each glob pattern matches: what the bubblewrap command line is built from."""
    found: dict[str, list[str]] = {}
    for path in [*paths, *(p for pattern in patterns for p in sorted(glob.glob(pattern)))]:
        if os.path.islink(path):
            found[path] = ["link", os.readlink(path)]
        elif os.path.isdir(path):
            found[path] = ["dir"]
        elif os.path.exists(path):
            found[path] = ["file"]
    return found

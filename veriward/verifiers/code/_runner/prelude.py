"""The prelude of veriward's in-sandbox runners. Not imported by veriward: `_runner.source` puts this text in
front of a runner's own parts, and the whole is run as `python3 -c` inside the sandbox (a file the candidate
could overwrite is never imported). It holds what every runner does: the job's life (`serve`), one test's
process under its limits (`run_process`), its record (`test_record`), and the wipe between tests.

Between two tests the runner kills every other process, then empties what processes of one test could
leave for the next: /tmp, /dev/shm, /box, POSIX message queues and every System V IPC object (shared memory,
semaphores, message queues). While a test runs, System V shared memory and queued messages are counted
against its memory limit (they live outside any process's address space).
"""

import contextlib
import json
import os
import resource
import signal
import stat
import sys
import time

# /box is writable in Docker (the runners ship no files there) and read-only under bubblewrap.
_SCRATCH = ("/tmp", "/dev/shm", "/dev/mqueue", "/box")
_SYSV = (("shm", "shmctl"), ("sem", "semctl"), ("msg", "msgctl"))
_IPC_RMID = 0


def _dumps(obj):
    return json.dumps(obj, separators=(",", ":")) + "\n"


def _write_fd(fd, text):
    data = text.encode("utf-8", "backslashreplace")
    while data:
        data = data[os.write(fd, data) :]


def _libc():
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _no_dump():
    """Close /proc/<pid>/mem, /proc/<pid>/fd and ptrace to same-uid processes (the candidate)."""
    import ctypes

    if _libc().prctl(4, 0, 0, 0, 0) != 0:  # PR_SET_DUMPABLE = 4
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_DUMPABLE) failed")


def _sweep():
    """Kill every process but this one (pid 1 of the sandbox) and reap them all."""
    with contextlib.suppress(OSError):
        os.kill(-1, signal.SIGKILL)
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return
        except InterruptedError:
            continue


def _is_dir(name):
    try:
        return stat.S_ISDIR(os.lstat(name).st_mode)
    except OSError:
        return False


def _enter(name):
    with contextlib.suppress(OSError):
        os.chmod(name, 0o700)  # a directory its owner (the candidate, same uid) made unreadable
    try:
        os.chdir(name)
    except OSError:
        return False
    return True


def _unlink_files(skip):
    """Unlink every non-directory here; return a subdirectory not in `skip`, or None."""
    with contextlib.suppress(OSError):
        os.chmod(".", 0o700)
    try:
        names = os.listdir(".")
    except OSError:
        return None
    sub = None
    for name in names:
        if not _is_dir(name):
            with contextlib.suppress(OSError):
                os.unlink(name)
        elif sub is None and name not in skip:
            sub = name
    return sub


def _remove_here(top):
    """Delete `top` in the current directory: a file, or a tree of any depth, walked by relative chdir
    (no path ever grows past PATH_MAX) and without recursion."""
    if not _is_dir(top):
        with contextlib.suppress(OSError):
            os.unlink(top)
        return
    if not _enter(top):
        return
    names: list[str] = [top]
    skip: list[set[str]] = [set()]
    while names:
        sub = _unlink_files(skip[-1])
        if sub is not None:
            if _enter(sub):
                names.append(sub)
                skip.append(set())
            else:
                skip[-1].add(sub)
            continue
        done = names.pop()
        skip.pop()
        os.chdir("..")
        with contextlib.suppress(OSError):
            os.rmdir(done)
        if skip and os.path.lexists(done):
            skip[-1].add(done)  # something in it would not go: do not walk it again


def _remove(parent, name):
    home = os.getcwd()
    try:
        os.chdir(parent)
        _remove_here(name)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            os.chdir(home)


def _wipe_dir(root, keep=()):
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        if os.path.join(root, name) not in keep:
            _remove(root, name)


def _sysv_ids(kind):
    """Ids of the System V IPC objects of `kind` (shm, sem, msg) in this IPC namespace."""
    try:
        with open(f"/proc/sysvipc/{kind}") as f:
            lines = f.read().splitlines()[1:]
    except OSError:
        return []
    return [int(line.split()[1]) for line in lines if len(line.split()) > 1]


def _fresh_scratch(keep=()):
    """Empty everything one test's processes could leave for the next (call after `_sweep`)."""
    for root in _SCRATCH:
        _wipe_dir(root, keep)
    libc = None
    for kind, ctl in _SYSV:
        for ident in _sysv_ids(kind):
            libc = libc or _libc()  # only where there is something to remove: ctypes costs a few ms
            if kind == "sem":
                getattr(libc, ctl)(ident, 0, _IPC_RMID)
            else:
                getattr(libc, ctl)(ident, _IPC_RMID, None)


def _ipc_bytes():
    """Bytes held in System V IPC right now: segment sizes, queued messages, semaphores (~64 B each)."""
    total = 0
    for kind, scale in (("shm", 1), ("msg", 1), ("sem", 64)):
        try:
            with open(f"/proc/sysvipc/{kind}") as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()  # the 4th column: size, cbytes or nsems
            if len(parts) > 3 and parts[3].isdigit():
                total += int(parts[3]) * scale
    return total


def _limiter(memory_mb, cpu_s, fsize, stack_mb=0):
    """A preexec_fn applying one test's rlimits (CPU: SIGXCPU at the limit, SIGKILL a second later).

    The process count is the sandbox's to cap (`Limits.pids`, for the whole job), not a test's."""

    def apply():
        lims = [
            (resource.RLIMIT_AS, memory_mb * 1024 * 1024),
            (resource.RLIMIT_CPU, cpu_s),
            (resource.RLIMIT_FSIZE, fsize),
            (resource.RLIMIT_CORE, 0),
            (resource.RLIMIT_MSGQUEUE, 64 * 1024),
        ]
        if stack_mb:
            # deep recursion needs more than the usual 8 MB main-thread stack (it grows on demand inside
            # the address-space limit); not for every runtime: glibc sizes new threads' stacks by it
            lims.append((resource.RLIMIT_STACK, stack_mb * 1024 * 1024))
        for res, want in lims:
            hard = resource.getrlimit(res)[1]
            v = want if hard == resource.RLIM_INFINITY else min(want, hard)
            extra = 1 if res == resource.RLIMIT_CPU and (hard == resource.RLIM_INFINITY or v < hard) else 0
            resource.setrlimit(res, (v, v + extra))

    return apply


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _pump(proc, feed, res_r, deadline, ipc_limit):
    """Feed the child's stdin and collect its result pipe until it exits.

    Returns (result bytes, "ok" | "timeout" | "memory"); "memory" when System V shared memory and
    queued messages went over `ipc_limit` bytes (every process but the runner is then killed).
    """
    import selectors

    sel = selectors.DefaultSelector()
    got = bytearray()
    if res_r is not None:
        os.set_blocking(res_r, False)
        sel.register(res_r, selectors.EVENT_READ)
    pending = memoryview(feed)
    os.set_blocking(proc.stdin.fileno(), False)
    sel.register(proc.stdin.fileno(), selectors.EVENT_WRITE)
    state = "ok"
    while True:
        if proc.poll() is not None:
            # Gone; a descendant may still hold the pipe, so take what is there and stop.
            with contextlib.suppress(BlockingIOError, TypeError):
                got += os.read(res_r, _MAX_RESULT)
            break
        if time.monotonic() >= deadline:
            state = "timeout"
            break
        if _ipc_bytes() > ipc_limit:
            state = "memory"
            _sweep()
            break
        if not sel.get_map():
            time.sleep(0.01)
            continue
        for key, _ in sel.select(timeout=0.01):
            if key.fd == res_r:
                with contextlib.suppress(BlockingIOError):
                    chunk = os.read(res_r, 65536)
                    if not chunk:
                        sel.unregister(res_r)
                    elif len(got) < _MAX_RESULT:
                        got += chunk
                continue
            try:
                pending = pending[os.write(key.fd, pending[:65536]) :]
            except BlockingIOError:
                pass
            except BrokenPipeError:
                pending = pending[:0]
            if not pending:
                sel.unregister(key.fd)
                proc.stdin.close()
    sel.close()
    if res_r is not None:
        os.close(res_r)
    if not proc.stdin.closed:
        proc.stdin.close()
    return bytes(got), state


_MAX_RESULT = 64 * 1024 * 1024
_MB = 1024 * 1024


class Ran:
    """How one test's process ended: exit code, "ok" | "timeout" | "memory", wall and CPU seconds, result."""

    def __init__(self, code, state, elapsed, cpu_used, got):
        self.code, self.state, self.elapsed, self.cpu_used, self.got = code, state, elapsed, cpu_used, got


def run_process(start, feed, res_r, res_w, wall, memory_mb, out_path, err_path):
    """Start one test's process (`start(out, err)` -> Popen), feed it, read its result pipe until it exits
    or `wall` seconds pass, then kill it and everything else (so no leftover can still write its output)."""
    started = time.monotonic()
    cpu0 = _children_cpu()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = start(out, err)
    if res_w is not None:
        os.close(res_w)
    got, state = _pump(proc, feed, res_r, started + wall, memory_mb * _MB)
    elapsed = time.monotonic() - started
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    cpu_used = _children_cpu() - cpu0
    _sweep()
    return Ran(proc.returncode, state, elapsed, cpu_used, got)


def test_record(job, i, ran, cpu_out, out_path, err_path):
    """The record of test `i`: its status and what it wrote (stdout for stdio, the result pipe otherwise).
    `cpu_out`: the process was killed at its CPU limit (SIGKILL is the limit's second step)."""
    rec = {"test": i, "time_s": round(ran.elapsed, 4), "exit_code": ran.code, "stderr": _excerpt(err_path)}
    if ran.state == "memory":
        rec["status"] = "memory"
    elif ran.state == "timeout" or ran.code == -signal.SIGXCPU or cpu_out:
        rec["status"] = "timeout"
    elif job["mode"] == "stdio":
        data = _head(out_path, job["max_output"])
        rec["status"] = "ran"
        rec["stdout"] = data[: job["max_output"]].decode("utf-8", "replace")
        rec["stdout_truncated"] = len(data) > job["max_output"]
    else:
        rec["status"] = "ran"
        rec["result"] = ran.got.decode("utf-8", "replace")
        rec["stdout"] = _excerpt(out_path)
    return rec


def run_tests(job, out, start, run_test):
    """Each test in turn (`run_test(i, cpu_s, wall_s)` -> record) while the job's budget lasts."""
    for i in range(len(job["tests"])):
        left = job["budget_s"] - (time.monotonic() - start)
        if left < 0.05:
            _write_fd(out, _dumps({"test": i, "status": "timeout", "budget": True}))
            continue
        # CPU time is the limit (robust on a loaded host); wall time is a looser cap for sleepers.
        _write_fd(out, _dumps(run_test(i, job["test_cpu_s"], min(job["test_wall_s"], left))))


def serve(body):
    """The runner's life as pid 1 of the sandbox: read the job (JSON) on stdin, keep stdout for its records
    alone (no child inherits it; the runner is not dumpable), `body(job, out, start)`, then wipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _no_dump()
    job = json.loads(sys.stdin.buffer.read())
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    out = os.dup(1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    _write_fd(out, _dumps({"ready": True}))
    body(job, out, time.monotonic())
    _sweep()
    _fresh_scratch()
    _write_fd(out, _dumps({"done": True}))


def _head(path, limit):
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError:
        return b""
    return data


def _excerpt(path, limit=300):
    data = _head(path, limit)
    return data[:limit].decode("utf-8", "replace") + ("..." if len(data) > limit else "")

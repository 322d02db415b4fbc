"""veriward's driver for compiled and non-Python languages. Not imported by veriward: its source is shipped
into the sandbox and run by the sandbox's python3 as pid 1 of the job.

It reads the job (JSON) on stdin, compiles the submission once under the compile limits, keeps the build
in its own memory, then runs each test in its own process from a fresh copy of the build in an emptied
/tmp, killing every other process between tests. It writes one JSON record per line on its stdout, which
no candidate process can reach (children never inherit it and the driver is not dumpable):
  {"ready": true}, {"compile": {...}}, {"test": i, ...} per test, {"done": true}.
A function-call test's program writes one JSON line on a result pipe (fd given in its argv); expected
values never enter the sandbox: the verdict is computed by veriward from these records.
"""

import json
import math
import os
import resource
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # in the sandbox these come from the prelude shipped in front of this source
    from veriward.verifiers.code._driver_common import (
        _dumps,
        _excerpt,
        _fresh_scratch,
        _head,
        _limiter,
        _no_dump,
        _pump,
        _sweep,
        _write_fd,
    )

_BUILD = "/tmp/.vw-build"
_MAX_BUILD = 64 * 1024 * 1024  # bytes of build output kept for the tests
_MAX_RESULT = 64 * 1024 * 1024


def _expand(argv, job, fd=None):
    out = []
    for arg in argv:
        if arg == "{sources}":
            out.extend(job["sources"])
        else:
            stack_kb = min(job["stack_mb"] or 8, job["memory_mb"] // 2) * 1024 * 7 // 8
            arg = arg.replace("{mem}", str(job["memory_mb"])).replace("{stack_kb}", str(stack_kb))
            out.append(arg.replace("{fd}", str(fd)))
    return out


def _spawn(argv, cwd, env, limiter, out, err, pass_fds=()):
    return subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=out,
        stderr=err,
        cwd=cwd,
        env=env,
        pass_fds=pass_fds,
        start_new_session=True,
        preexec_fn=limiter,
    )


def _snapshot(root):
    """The build directory's files (relative path -> (bytes, mode)), or None when over the size cap."""
    files, total = {}, 0
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                data = f.read(_MAX_BUILD + 1)
            total += len(data)
            if total > _MAX_BUILD:
                return None
            files[os.path.relpath(path, root)] = (data, os.stat(path).st_mode & 0o755)
    return files


def _materialise(files, root):
    os.makedirs(root, 0o700)
    for rel, (data, mode) in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, mode | 0o400)


def _compile(job, env, deadline):
    """Compile in an emptied /tmp; returns (record, build files or None)."""
    os.makedirs(_BUILD, 0o700)
    for name, text in job["files"].items():
        with open(os.path.join(_BUILD, name), "w", encoding="utf-8") as f:
            f.write(text)
    if not job["compile"]:
        return {"status": "ok", "time_s": 0.0}, _snapshot(_BUILD)
    log = "/tmp/.vw-compile.log"
    limit_s = job["compile_time_s"]
    started = time.monotonic()
    # As for tests: CPU seconds are the limit, the wall-clock cap is looser (compilers wait on disk).
    wall = min(2 * limit_s + 1.0, deadline - started)
    lim = _limiter(job["compile_memory_mb"], math.ceil(limit_s), job["max_build"], job.get("nproc"))
    with open(log, "wb") as out:
        try:
            proc = _spawn(_expand(job["compile"], job), _BUILD, env, lim, out, subprocess.STDOUT)
        except OSError as exc:
            return {"status": "missing", "output": f"{job['compile'][0]}: {exc.strerror}"}, None
    _, state = _pump(proc, b"", None, started + wall, job["compile_memory_mb"] * 1024 * 1024)
    timed_out = state != "ok"
    code = proc.wait() if not timed_out else None
    elapsed = time.monotonic() - started
    cpu_out = code == -signal.SIGXCPU or (code == -signal.SIGKILL and elapsed >= math.ceil(limit_s))
    timed_out = timed_out or cpu_out
    _sweep()
    rec = {
        "time_s": round(elapsed, 4),
        "exit_code": code,
        "output": _head(log, 4000).decode("utf-8", "replace"),
    }
    if timed_out:
        rec["status"] = "timeout"
        rec["budget"] = wall < 2 * limit_s + 1.0
        return rec, None
    if code != 0:
        rec["status"] = "failed"
        return rec, None
    files = _snapshot(_BUILD)
    rec["status"] = "ok" if files is not None else "too_big"
    return rec, files


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run_test(job, build, env, i, cpu_s, wall):
    _fresh_scratch()
    work = f"/tmp/.vw{i}-{os.urandom(6).hex()}"
    _materialise(build, work)
    out_path, err_path = "/tmp/.vw-stdout", "/tmp/.vw-stderr"
    test = job["tests"][i]
    res_r = res_w = None
    if job["mode"] == "cases":
        res_r, res_w = os.pipe()
        argv = _expand(job["case_run"], job, res_w)
        feed = json.dumps({"entry_point": job["entry_point"], "args": test["args"]}).encode()
    else:
        argv, feed = _expand(job["run"], job), test["input"].encode()
    memory_mb = job["memory_mb"] + job["reserve_mb"]
    stack_mb = min(job["stack_mb"], job["memory_mb"] // 2)
    lim = _limiter(memory_mb, cpu_s, job["max_output"] + 1, job.get("nproc"), stack_mb)
    started = time.monotonic()
    cpu0 = _children_cpu()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = _spawn(argv, work, env, lim, out, err, () if res_w is None else (res_w,))
    if res_w is not None:
        os.close(res_w)
    got, state = _pump(proc, feed, res_r, started + wall, job["memory_mb"] * 1024 * 1024)
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    elapsed = time.monotonic() - started
    # A multi-threaded runtime (the JVM) spends its CPU seconds faster than wall time passes, so the
    # kernel's SIGKILL at the CPU limit can come before `elapsed` reaches it: look at CPU time too.
    cpu_used = _children_cpu() - cpu0
    _sweep()  # before reading any output, so no leftover process can still write to it
    rec = {"test": i, "time_s": round(elapsed, 4), "exit_code": proc.returncode, "stderr": _excerpt(err_path)}
    code = proc.returncode
    cpu_out = code == -signal.SIGKILL and max(elapsed, cpu_used) >= cpu_s - 0.05
    if state == "memory":
        rec["status"] = "memory"
    elif state == "timeout" or code == -signal.SIGXCPU or cpu_out:
        rec["status"] = "timeout"
    elif job["mode"] == "stdio":
        data = _head(out_path, job["max_output"])
        rec["status"] = "ran"
        rec["stdout"] = data[: job["max_output"]].decode("utf-8", "replace")
        rec["stdout_truncated"] = len(data) > job["max_output"]
    else:
        rec["status"] = "ran"
        rec["result"] = got.decode("utf-8", "replace")
        rec["stdout"] = _excerpt(out_path)
    return rec


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _no_dump()
    job = json.loads(sys.stdin.buffer.read())
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    out = os.dup(1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    _write_fd(out, _dumps({"ready": True}))
    start = time.monotonic()
    env = {"PATH": job["path"], "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8", **job["env"]}
    _fresh_scratch()
    rec, build = _compile(job, env, start + job["budget_s"])
    _write_fd(out, _dumps({"compile": rec}))
    if build is not None:
        for i in range(len(job["tests"])):
            left = job["budget_s"] - (time.monotonic() - start)
            if left < 0.05:
                _write_fd(out, _dumps({"test": i, "status": "timeout", "budget": True}))
                continue
            # CPU time is the limit (robust on a loaded host); wall time is a looser cap for sleepers.
            cpu_s = max(1, math.ceil(job["time_limit_s"]))
            wall = min(2 * job["time_limit_s"] + 1.0, left)
            _write_fd(out, _dumps(_run_test(job, build, env, i, cpu_s, wall)))
    _sweep()
    _fresh_scratch()
    _write_fd(out, _dumps({"done": True}))


if __name__ == "__main__":
    main()

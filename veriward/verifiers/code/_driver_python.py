"""veriward's Python test driver. It is not imported by veriward: its source is shipped into the sandbox.

Roles (argv[1]):
  (none)  the driver, pid 1 of the sandbox: reads the job (JSON) on stdin, runs each test in its own
          process, kills every other process and empties the scratch space between tests, and writes
          one JSON record per line on its stdout, which no candidate process can reach (children never
          inherit it and the driver is not dumpable, so /proc/<pid>/fd and ptrace are closed to them).
  case    one function call: exec the candidate, call the entry point, write the JSON-encoded
          return value to a result pipe (the verdict is computed outside the sandbox).
  check   test code against the candidate (see `_driver_checker`), the candidate in role `serve`
          (see `_driver_remote`).
  judge   a special judge on one test's output, in the separate judge job.
"""

import json
import math
import os
import signal
import subprocess
import sys
import time
import traceback
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # in the sandbox these come from the parts shipped in front of this source
    from veriward.verifiers.code._driver_checker import role_check, role_judge
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
    from veriward.verifiers.code._driver_remote import exc_record, load_solution, resolve_entry, role_serve
    from veriward.verifiers.code._driver_wire import Unencodable, encode

_ROLE_OF = {"cases": "case", "checker": "check", "judge": "judge"}
_SHARED = {
    "cases": ("source", "entry_point", "prelude"),
    "checker": ("source", "prelude", "entry_point", "context", "imports", "bind", "test_code", "pytest"),
    "judge": ("checker", "style", "output_kind"),
}


# -- role: case ------------------------------------------------------------------------------------


def role_case(out):
    job = json.loads(sys.stdin.buffer.read())
    try:
        fn = resolve_entry(load_solution(job.get("prelude"), job["source"]).__dict__, job["entry_point"])
        value = fn(*job["args"], **job["kwargs"])
        record = {"value": encode(value)}
    except Unencodable as exc:
        record = {"unencodable": str(exc)}
    except BaseException as exc:  # SystemExit and KeyboardInterrupt are failures too, not exits
        record = exc_record(exc)
        traceback.print_exc()
    _write_fd(out, _dumps(record))
    sys.stdout.flush()
    os._exit(0)


# -- the driver ----------------------------------------------------------------------------------------


def _feed(job, test):
    """(argv tail, stdin bytes) of one test's process."""
    mode = job["mode"]
    if mode == "stdio":
        return None, test["input"].encode()
    shared = {k: job.get(k) for k in _SHARED[mode]}
    return _ROLE_OF[mode], json.dumps({**shared, **test, "driver": job["driver"]}).encode()


def _start(job, work, test, res_w, cpu_s, out, err):
    role, feed = _feed(job, test)
    if role is None:
        src = os.path.join(work, "solution.py")
        with open(src, "w", encoding="utf-8") as f:
            f.write(job["source"])
        argv, fds = [sys.executable, "-I", "-B", src], []
    else:
        argv, fds = [sys.executable, "-I", "-B", "-c", job["driver"], role, str(res_w)], [res_w]
    proc = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=out,
        stderr=err,
        pass_fds=fds,
        cwd="/tmp",
        start_new_session=True,
        preexec_fn=_limiter(job["memory_mb"], cpu_s, job["max_output"] + 1, job.get("nproc")),
    )
    return proc, feed


def _record(job, i, proc, state, elapsed, cpu_s, got, out_path, err_path):
    code = proc.returncode
    rec = {"test": i, "time_s": round(elapsed, 4), "exit_code": code, "stderr": _excerpt(err_path)}
    if state == "memory":
        rec["status"] = "memory"
    elif state == "timeout" or code == -signal.SIGXCPU or (code == -signal.SIGKILL and elapsed >= cpu_s):
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


def _run_test(job, i, cpu_s, wall):
    _fresh_scratch()
    work = f"/tmp/.vw{i}-{os.urandom(6).hex()}"
    os.mkdir(work, 0o700)
    out_path, err_path = os.path.join(work, "stdout"), os.path.join(work, "stderr")
    res_r, res_w = os.pipe()
    started = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc, feed = _start(job, work, job["tests"][i], res_w, cpu_s, out, err)
    os.close(res_w)
    got, state = _pump(proc, feed, res_r, started + wall, job["memory_mb"] * 1024 * 1024)
    elapsed = time.monotonic() - started
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    _sweep()  # before reading any output, so no leftover process can still write to it
    return _record(job, i, proc, state, elapsed, cpu_s, got, out_path, err_path)


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _no_dump()
    job = json.loads(sys.stdin.buffer.read())
    fd = os.open(os.devnull, os.O_RDONLY)
    os.dup2(fd, 0)
    out = os.dup(1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    _write_fd(out, _dumps({"ready": True}))
    start = time.monotonic()
    for i in range(len(job["tests"])):
        left = job["budget_s"] - (time.monotonic() - start)
        if left < 0.05:
            _write_fd(out, _dumps({"test": i, "status": "timeout", "budget": True}))
            continue
        # CPU time is the limit (robust on a loaded host); wall time is a looser cap for sleepers.
        cpu_s = max(1, math.ceil(job["time_limit_s"]))
        wall = min(2 * job["time_limit_s"] + 1.0, left)
        _write_fd(out, _dumps(_run_test(job, i, cpu_s, wall)))
    _sweep()
    _fresh_scratch()
    _write_fd(out, _dumps({"done": True}))


if __name__ == "__main__":
    role = sys.argv[1] if len(sys.argv) > 1 else ""
    if role == "case":
        role_case(int(sys.argv[2]))
    elif role == "check":
        role_check(int(sys.argv[2]))
    elif role == "serve":
        role_serve(int(sys.argv[2]), int(sys.argv[3]))
    elif role == "judge":
        role_judge(int(sys.argv[2]))
    else:
        main()

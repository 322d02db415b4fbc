"""veriward's Python test runner. It is not imported by veriward: its source is shipped into the sandbox.

Roles (argv[1]):
  (none)  the runner, pid 1 of the sandbox: reads the job (JSON) on stdin, runs each test in its own
          process, kills every other process and empties the scratch space between tests, and writes
          one JSON record per line on its stdout, which no candidate process can reach (children never
          inherit it and the runner is not dumpable, so /proc/<pid>/fd and ptrace are closed to them).
  case    one function call: exec the candidate, call the entry point, write the JSON-encoded
          return value to a result pipe (the verdict is computed outside the sandbox).
  check   test code against the candidate (see `checker`), the candidate in role `serve`
          (see `remote`).
  judge   a special judge on one test's output, in the separate judge job.
"""

import json
import os
import signal
import subprocess
import sys
import traceback
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # in the sandbox these come from the parts shipped in front of this source
    from veriward.verifiers.code._runner.checker import role_check, role_judge
    from veriward.verifiers.code._runner.prelude import (
        _dumps,
        _fresh_scratch,
        _limiter,
        _write_fd,
        run_process,
        run_tests,
        serve,
        test_record,
    )
    from veriward.verifiers.code._runner.remote import exc_record, load_solution, resolve_entry, role_serve
    from veriward.verifiers.code._runner.wire import Unencodable, encode

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


# -- the runner ----------------------------------------------------------------------------------------


def _feed(job, test):
    """(argv tail, stdin bytes) of one test's process."""
    mode = job["mode"]
    if mode == "stdio":
        return None, test["input"].encode()
    shared = {k: job.get(k) for k in _SHARED[mode]}
    return _ROLE_OF[mode], json.dumps({**shared, **test, "runner": job["runner"]}).encode()


def _argv(job, work, role, res_w):
    """(argv, fds to pass) of one test's process: the solution itself, or this runner in a role."""
    if role is None:
        src = os.path.join(work, "solution.py")
        with open(src, "w", encoding="utf-8") as f:
            f.write(job["source"])
        return [sys.executable, "-I", "-B", src], []
    return [sys.executable, "-I", "-B", "-c", job["runner"], role, str(res_w)], [res_w]


def _start(job, argv, fds, cpu_s, out, err):
    return subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=out,
        stderr=err,
        pass_fds=fds,
        cwd="/tmp",
        start_new_session=True,
        preexec_fn=_limiter(job["memory_mb"], cpu_s, job["max_output"] + 1),
    )


def _run_test(job, i, cpu_s, wall):
    _fresh_scratch()
    work = f"/tmp/.vw{i}-{os.urandom(6).hex()}"
    os.mkdir(work, 0o700)
    out_path, err_path = os.path.join(work, "stdout"), os.path.join(work, "stderr")
    res_r, res_w = os.pipe()
    role, feed = _feed(job, job["tests"][i])
    argv, fds = _argv(job, work, role, res_w)
    start = lambda out, err: _start(job, argv, fds, cpu_s, out, err)  # noqa: E731
    ran = run_process(start, feed, res_r, res_w, wall, job["memory_mb"], out_path, err_path)
    cpu_out = ran.code == -signal.SIGKILL and ran.elapsed >= cpu_s
    return test_record(job, i, ran, cpu_out, out_path, err_path)


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
        serve(lambda job, out, start: run_tests(job, out, start, lambda i, c, w: _run_test(job, i, c, w)))

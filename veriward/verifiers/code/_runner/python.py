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
import sys

# subprocess and traceback are imported where they are used: the candidate's process needs neither.
# Not `typing.TYPE_CHECKING`: importing typing would cost every process in the sandbox ~2 ms.
TYPE_CHECKING = False

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

# This runner's own compiled code (the frame running this text is the module's): a process it starts in a
# role runs it from a sealed memfd (`role_argv`) instead of compiling the whole text again.
_CODE = sys._getframe(0).f_code
_CODE_FD: "list[int]" = []  # made on first use
_BOOT = (
    "import marshal,os,sys\n"
    "_vw_fd = int(sys.argv.pop(1))\n"
    "_vw_code = marshal.loads(os.pread(_vw_fd, os.fstat(_vw_fd).st_size, 0))\n"
    "os.close(_vw_fd)\n"
    "del _vw_fd\n"
    "exec(_vw_code)\n"
)
_ROLE_OF = {"cases": "case", "checker": "check", "judge": "judge"}
_SHARED = {
    "cases": ("source", "entry_point", "prelude"),
    "checker": ("source", "prelude", "entry_point", "context", "imports", "bind", "test_code", "pytest"),
    "judge": ("checker", "style", "output_kind"),
}


# -- role: case ------------------------------------------------------------------------------------


def role_case(out):
    import traceback  # before any candidate code runs

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


# -- processes in a role ----------------------------------------------------------------------------


def _code_fd():
    """A memfd holding `_CODE` (marshal), sealed before any child sees it: nobody can change it."""
    if not _CODE_FD:
        import fcntl
        import marshal

        fd = os.memfd_create("vw-runner", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        data = memoryview(marshal.dumps(_CODE))
        while data:
            data = data[os.write(fd, data) :]
        seals = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
        _CODE_FD.append(fd)
    return _CODE_FD[0]


def role_argv(role, *args):
    """(argv, fds to pass) of a process running this runner in `role` (never -O: asserts must run)."""
    fd = _code_fd()
    return [sys.executable, "-I", "-B", "-c", _BOOT, str(fd), role, *map(str, args)], [fd]


# -- the runner ----------------------------------------------------------------------------------------


def _feed(job, test):
    """(argv tail, stdin bytes) of one test's process."""
    mode = job["mode"]
    if mode == "stdio":
        return None, test["input"].encode()
    shared = {k: job.get(k) for k in _SHARED[mode]}
    return _ROLE_OF[mode], json.dumps({**shared, **test}).encode()


def _argv(job, work, role, res_w):
    """(argv, fds to pass) of one test's process: the solution itself, or this runner in a role."""
    if role is None:
        src = os.path.join(work, "solution.py")
        with open(src, "w", encoding="utf-8") as f:
            f.write(job["source"])
        return [sys.executable, "-I", "-B", src], []
    argv, fds = role_argv(role, res_w)
    return argv, [*fds, res_w]


def _start(job, argv, fds, cpu_s, out, err):
    import subprocess

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

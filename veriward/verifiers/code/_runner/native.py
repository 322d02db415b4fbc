"""veriward's runner for compiled and other non-Python languages. Not imported by veriward: its source is
shipped into the sandbox (after the prelude) and run by the sandbox's python3 as pid 1 of the job.

It reads the job (JSON) on stdin, compiles the submission once under the compile limits, keeps the build
in its own memory, then runs each test in its own process from a fresh copy of the build in an emptied
/tmp, killing every other process between tests. It writes one JSON record per line on its stdout, which
no candidate process can reach (children never inherit it and the runner is not dumpable):
  {"ready": true}, {"compile": {...}}, {"test": i, ...} per test, {"done": true}.
A function-call test's program writes one JSON line on a result pipe (fd given in its argv); expected
values never enter the sandbox: the verdict is computed by veriward from these records.
"""

import json
import os
import signal
import subprocess
import time

# Not `typing.TYPE_CHECKING`: importing typing would cost every process in the sandbox ~2 ms.
TYPE_CHECKING = False

if TYPE_CHECKING:  # in the sandbox these come from the prelude shipped in front of this source
    from veriward.verifiers.code._runner.prelude import (
        _dumps,
        _fresh_scratch,
        _head,
        _limiter,
        _pump,
        _sweep,
        _write_fd,
        run_process,
        run_tests,
        serve,
        test_record,
    )

_BUILD = "/tmp/.vw-build"


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


def _snapshot(root, limit):
    """The build directory's files (relative path -> (bytes, mode)), or None when over `limit` bytes."""
    files, total = {}, 0
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                data = f.read(limit + 1)
            total += len(data)
            if total > limit:
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
        return {"status": "ok", "time_s": 0.0}, _snapshot(_BUILD, job["max_build"])
    log = "/tmp/.vw-compile.log"
    cpu_s = job["compile_cpu_s"]
    started = time.monotonic()
    # As for tests: CPU seconds are the limit, the wall-clock cap is looser (compilers wait on disk).
    wall = min(job["compile_wall_s"], deadline - started)
    lim = _limiter(job["compile_memory_mb"], cpu_s, job["max_build"])
    with open(log, "wb") as out:
        try:
            proc = _spawn(_expand(job["compile"], job), _BUILD, env, lim, out, subprocess.STDOUT)
        except OSError as exc:
            return {"status": "missing", "output": f"{job['compile'][0]}: {exc.strerror}"}, None
    _, state = _pump(proc, b"", None, started + wall, job["compile_memory_mb"] * 1024 * 1024)
    timed_out = state != "ok"
    code = proc.wait() if not timed_out else None
    elapsed = time.monotonic() - started
    cpu_out = code == -signal.SIGXCPU or (code == -signal.SIGKILL and elapsed >= cpu_s)
    timed_out = timed_out or cpu_out
    _sweep()
    rec = {
        "time_s": round(elapsed, 4),
        "exit_code": code,
        "output": _head(log, 4000).decode("utf-8", "replace"),
    }
    if timed_out:
        rec["status"] = "timeout"
        rec["budget"] = wall < job["compile_wall_s"]
        return rec, None
    if code != 0:
        rec["status"] = "failed"
        return rec, None
    files = _snapshot(_BUILD, job["max_build"])
    rec["status"] = "ok" if files is not None else "too_big"
    return rec, files


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
    lim = _limiter(memory_mb, cpu_s, job["max_output"] + 1, stack_mb)
    fds = () if res_w is None else (res_w,)
    ran = run_process(
        lambda out, err: _spawn(argv, work, env, lim, out, err, fds),
        feed,
        res_r,
        res_w,
        wall,
        job["memory_mb"],
        out_path,
        err_path,
    )
    # A multi-threaded runtime (the JVM) spends its CPU seconds faster than wall time passes, so the
    # kernel's SIGKILL at the CPU limit can come before `elapsed` reaches it: look at CPU time too.
    cpu_out = ran.code == -signal.SIGKILL and max(ran.elapsed, ran.cpu_used) >= cpu_s - 0.05
    return test_record(job, i, ran, cpu_out, out_path, err_path)


def _compile_and_test(job, out, start):
    env = {"PATH": job["path"], "HOME": "/tmp", "TMPDIR": "/tmp", "LANG": "C.UTF-8", **job["env"]}
    _fresh_scratch()
    rec, build = _compile(job, env, start + job["budget_s"])
    _write_fd(out, _dumps({"compile": rec}))
    if build is not None:
        run_tests(job, out, start, lambda i, cpu_s, wall: _run_test(job, build, env, i, cpu_s, wall))


if __name__ == "__main__":
    serve(_compile_and_test)

"""The layered backend's agent: pid 1 of each long-lived container, running its jobs one at a time.

Not imported by veriward: `_layered_pool.py` ships `_pipes.py` and then this file as one `python3 -c`
text. The agent is trusted; every job runs in bubblewrap under it (fresh namespaces, the inner seccomp
filter), from which the agent is out of sight: another pid namespace, another mount namespace, no
descriptor of it inherited. It speaks frames on stdin/stdout, the container's attach stream: 4 bytes of
length, a JSON header, then header["n"] bytes of payload.

  host -> agent  {"op": "hello", "n"} + the inner BPF filter     agent -> host  {"op": "layout", "found"}
  host -> agent  {"op": "run", "argv", "env", "files": {name: size}, "stdin": size, "rlimits", "wall_s",
                 "max_output", "n"} + the files + stdin
  agent -> host  {"op": "started"}: bubblewrap is running (a container lost before this lost no job)
  agent -> host  {"op": "out", "fd": 1 | 2} + what the job wrote (as it comes, the first "max_output"
                 bytes of each stream; a container lost mid-run still leaves what came before)
  agent -> host  {"op": "done", "status", "timed_out", "wall_s", "cpu_s", "maxrss_kb", "oom_kills",
                 "dropped": [stdout bytes, stderr bytes]}
  agent -> host  {"op": "failed", "why"}: the job could not be started (infrastructure)

`argv` holds "{box}" (the job's files, shown read-only at /box) and "{seccomp_fd}" (a pipe holding the
inner filter) for the agent to fill in. The agent exits when stdin closes (its owner is gone) or after
IDLE_EXIT_S without a job.
"""

import contextlib
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # in the container these come from `_pipes.py`, shipped in front of this source
    from veriward.sandbox._pipes import BoundedBuffer, communicate, job_rlimits, probe_paths, wait_until

IDLE_EXIT_S = 900
_JOBS = "/run/vw"
_OOM_COUNTERS = ("/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events")


def _read_exact(n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(0, n - len(buf))
        if not chunk:
            sys.exit(0)  # the owner closed the stream: nothing more will come
        buf += chunk
    return bytes(buf)


def _read_frame() -> tuple[dict[str, Any], bytes]:
    (size,) = struct.unpack(">I", _read_exact(4))
    header = json.loads(_read_exact(size))
    return header, _read_exact(int(header.get("n", 0)))


def _write_frame(header: dict[str, Any], payload: bytes = b"") -> None:
    head = json.dumps({**header, "n": len(payload)}).encode()
    data = memoryview(struct.pack(">I", len(head)) + head + payload)
    while data:
        data = data[os.write(1, data) :]


class _Forward(BoundedBuffer):
    """Sends what it keeps of one output stream to the host at once, keeping nothing itself."""

    def __init__(self, limit: int, fd: int) -> None:
        super().__init__(limit)
        self.fd = fd
        self.room = limit

    def write(self, chunk: bytes) -> None:
        kept = chunk[: max(self.room, 0)]
        self.room -= len(kept)
        self.dropped += len(chunk) - len(kept)
        if kept:
            _write_frame({"op": "out", "fd": self.fd}, kept)


def _oom_kills() -> int | None:
    """The container's count of OOM kills so far (cgroup v1 or v2), None if it cannot be read."""
    for path in _OOM_COUNTERS:
        with contextlib.suppress(OSError, ValueError), open(path) as f:
            for line in f:
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
    return None


def _preexec(rlimits: dict[str, int]) -> Any:
    apply = job_rlimits(**rlimits)

    def run() -> None:
        apply()
        # The job, not the agent, is what the OOM killer takes first when the container runs out.
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")

    return run


def _box(files: dict[str, int], payload: bytes) -> str:
    shutil.rmtree(_JOBS + "/box", ignore_errors=True)
    box = _JOBS + "/box"
    os.mkdir(box, 0o755)
    at = 0
    for name, size in files.items():
        path = os.path.join(box, name)
        with open(path, "wb") as f:
            f.write(payload[at : at + size])
        os.chmod(path, 0o644)
        at += size
    return box


def _run(job: dict[str, Any], payload: bytes, bpf: bytes) -> None:
    sizes = {str(k): int(v) for k, v in job["files"].items()}
    box = _box(sizes, payload)
    stdin = payload[sum(sizes.values()) :]
    r, w = os.pipe()
    os.write(w, bpf)  # a few hundred bytes: within the pipe's buffer
    os.close(w)
    fill = {"{box}": box, "{seccomp_fd}": str(r)}
    argv = [fill.get(a, a) for a in job["argv"]]
    oom_before = _oom_kills()
    start = time.monotonic()
    deadline = start + float(job["wall_s"])
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=job["env"],
            pass_fds=(r,),
            preexec_fn=_preexec(job["rlimits"]),
        )
    except OSError as exc:
        _write_frame({"op": "failed", "why": f"cannot start {argv[0]}: {exc}"})
        return
    finally:
        os.close(r)
    _write_frame({"op": "started"})
    limit = int(job["max_output"])
    out, err, timed_out = communicate(proc, stdin, deadline, limit, (_Forward(limit, 1), _Forward(limit, 2)))
    status, usage, killed = wait_until(proc, deadline)
    oom_after = _oom_kills()
    oom = None if oom_before is None or oom_after is None else oom_after - oom_before
    shutil.rmtree(box, ignore_errors=True)
    header = {
        "op": "done",
        "status": status,
        "timed_out": timed_out or killed,
        "wall_s": time.monotonic() - start,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "maxrss_kb": usage.ru_maxrss,
        "oom_kills": oom,
        "dropped": [out.dropped, err.dropped],
    }
    _write_frame(header)


def main() -> None:
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(IDLE_EXIT_S)
    hello, bpf = _read_frame()
    assert hello.get("op") == "hello", hello
    _write_frame({"op": "layout", "found": probe_paths(hello["paths"], hello["globs"])})
    while True:
        signal.alarm(IDLE_EXIT_S)
        job, payload = _read_frame()
        signal.alarm(0)
        _run(job, payload, bpf)


if __name__ == "__main__":
    main()

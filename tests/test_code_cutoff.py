"""A sandbox run killed from outside mid-run is `error`, never a verdict on the program; what the
candidate itself can do (crash, kill its own test, exhaust memory) still fails it. Also: the sandbox
counters of /metrics move with real code requests."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from _backends import BACKENDS, make
from conftest import LiveServer

from veriward.metrics import Metrics, deactivate
from veriward.sandbox import Limits, RunResult
from veriward.verifiers.code._reference import parse_reference
from veriward.verifiers.code._verdict import outcome

RAW_REF: dict[str, Any] = {
    "language": "python",
    "entry_point": "add",
    "cases": [{"args": [1, 2], "expected": 3}, {"args": [2, 3], "expected": 5}],
}
REF = parse_reference(RAW_REF)


def _run(*records: dict[str, Any], exit_code: int | None, **flags: Any) -> RunResult:
    """A RunResult as a backend returns it, carrying the runner's JSON records on stdout."""
    out = "".join(json.dumps(r) + "\n" for r in records).encode()
    return RunResult(exit_code=exit_code, stdout=out, stderr=b"", wall_s=0.5, backend="docker", **flags)


READY = {"ready": True}
PASS0 = {"test": 0, "status": "ran", "exit_code": 0, "result": '{"value": 3}\n', "time_s": 0.01}
PASS1 = {"test": 1, "status": "ran", "exit_code": 0, "result": '{"value": 5}\n', "time_s": 0.01}
DONE = {"done": True}


@pytest.mark.parametrize(
    ("run", "verdict"),
    [
        (_run(READY, PASS0, PASS1, DONE, exit_code=0), "correct"),
        # `docker kill` / engine restart: exit 137 with no OOM kill and no timeout, no `done`.
        (_run(READY, PASS0, exit_code=137), "error"),
        # Even with every test recorded: a run cut off before `done` is not a verdict.
        (_run(READY, PASS0, PASS1, exit_code=137), "error"),
        # Process backend: the outer bubblewrap killed by a signal (exit code None), no timeout.
        (_run(READY, PASS0, exit_code=None), "error"),
        # The candidate exhausting the container's memory: its own budget, so the missing test fails.
        (_run(READY, PASS0, exit_code=137, oom_killed=True), "incorrect"),
        # The wall-clock budget ran out: a timeout, not an infrastructure error.
        (_run(READY, PASS0, exit_code=None, timed_out=True), "timeout"),
        # The runner exited by itself without `done` (e.g. the candidate filled the shared /tmp):
        # the candidate must not turn that into a dropped `error` sample.
        (_run(READY, PASS0, exit_code=1), "incorrect"),
    ],
    ids=["done", "killed", "killed-all-recorded", "signalled", "oom", "timeout", "runner-exit-1"],
)
def test_verdict_of_a_run_without_done(run: RunResult, verdict: str) -> None:
    res = outcome(run, REF, 10.0)
    assert res.verdict.value == verdict, res.reason
    if verdict == "error":
        assert res.reason.startswith("sandbox run cut off:"), res.reason


# -- a real sandbox killed from outside mid-run ---------------------------------------------------------

_MARK = "7.7731"  # a `sleep` argument no other process on the host uses
SLOW = (
    "import subprocess\n"
    "def add(a, b):\n"
    "    if a == 2:\n"
    f"        subprocess.run(['sleep', '{_MARK}'])\n"
    "    return a + b\n"
)


def _marker_pid(timeout: float = 60.0) -> int:
    """The pid (host view) of the candidate's `sleep` once the slow second test is running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue
            if argv[:2] == [b"sleep", _MARK.encode()]:
                return int(pid)
        time.sleep(0.05)
    raise AssertionError("the slow test never started")


def _ppid(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def _is_bwrap(pid: int) -> bool:
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return os.path.basename(f.read().split(b"\0")[0]) == b"bwrap"


def _kill_process_sandbox(pid: int) -> None:
    """SIGKILL the process group of the outermost bubblewrap above `pid`, as an operator would."""
    outer = None
    while pid > 1:
        if _is_bwrap(pid):
            outer = pid
        pid = _ppid(pid)
    assert outer is not None, "no bubblewrap above the candidate"
    os.killpg(os.getpgid(outer), signal.SIGKILL)


def _kill_container(pid: int) -> None:
    with open(f"/proc/{pid}/cgroup") as f:
        ids = re.findall(r"[0-9a-f]{64}", f.read())
    assert ids, "the candidate is not in a container cgroup"
    subprocess.run(["docker", "kill", ids[-1]], check=True, capture_output=True, timeout=60)


KILLERS: dict[str, Callable[[int], None]] = {
    "process": _kill_process_sandbox,
    "docker": _kill_container,
    "layered": _kill_container,
}


def _sample(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        m = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if m and dict(re.findall(r'(\w+)="([^"]*)"', m.group(1) or "")) == labels:
            return float(m.group(2))
    return 0.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_sandbox_killed_from_outside_is_error_and_counted(
    backend: str, make_server: Callable[..., LiveServer]
) -> None:
    server = make_server(sandbox=backend, pool_workers=1, sandbox_warm=0)
    body = {
        "verifier": "code",
        "response": SLOW,
        "reference": {**RAW_REF, "time_limit_s": 20},
        "timeout_s": 60,
    }
    result: dict[str, Any] = {}

    def post() -> None:
        with server.client() as c:
            result["r"] = c.post("/v1/score", json=body)

    t = threading.Thread(target=post)
    t.start()
    KILLERS[backend](_marker_pid())
    t.join(timeout=60)
    r = result["r"]
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["verdict"] == "error", out
    assert out["reason"].startswith("sandbox run cut off:"), out["reason"]

    with server.client() as c:  # the same server still scores, and its counters moved
        ok = c.post("/v1/score", json={**body, "response": "def add(a, b):\n    return a + b\n"}).json()
        text = c.get("/metrics").text
    assert ok["verdict"] == "correct", ok
    assert _sample(text, "veriward_sandbox_runs_total", backend=backend) == 2
    assert _sample(text, "veriward_sandbox_failures_total", backend=backend, kind="cut_off") == 1
    assert _sample(text, "veriward_sandbox_timeouts_total", backend=backend) == 0


@pytest.mark.parametrize("backend", BACKENDS)
async def test_sandbox_runs_and_timeouts_count_into_the_active_app(backend: str) -> None:
    box = make(backend, warm=0)
    m = Metrics()
    token = m.activate()
    try:
        await box.start()
        quick = await box.run(["true"], limits=Limits(wall_s=20))
        slow = await box.run(["sleep", "30"], limits=Limits(wall_s=1))
    finally:
        deactivate(token)
        await box.close()
    assert (quick.exit_code, quick.timed_out, slow.timed_out) == (0, False, True)
    text = m.render().decode()
    assert _sample(text, "veriward_sandbox_runs_total", backend=backend) == 2
    assert _sample(text, "veriward_sandbox_timeouts_total", backend=backend) == 1

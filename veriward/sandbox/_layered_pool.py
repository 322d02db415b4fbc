"""The layered backend's containers: how one is made, spoken to, and runs one job in bubblewrap.

A container is hardened at the Docker level (no network, read-only root, every capability dropped,
no-new-privileges, the shipped seccomp profile, memory = memory+swap, a pids limit, a CPU quota, its own
host uid) and its pid 1 is the agent (`_layered_agent.py`), to which veriward holds one attach stream
for the container's whole life. Masked /proc paths are off at the Docker level only so that bubblewrap
may mount a fresh /proc for each job (the kernel refuses that under an overmounted one); the job's own
/proc masks them again (`_bwrap.Layout.proc_masks`), and nothing but the agent and bubblewrap ever runs
at the container level.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from veriward.sandbox._base import Limits, RunResult, SandboxUnavailable
from veriward.sandbox._bwrap import PROBE_GLOBS, PROBE_PATHS, SANDBOX_ENV, Layout, bwrap_argv, rlimits
from veriward.sandbox._docker_setup import owner_labels
from veriward.sandbox._pipes import BoundedBuffer
from veriward.sandbox._seccomp import inner_filter, profile_text
from veriward.sandbox._uids import UidLease, lease_uid

_HERE = Path(__file__).resolve().parent
AGENT = "\n\n".join((_HERE / name).read_text() for name in ("_pipes.py", "_layered_agent.py"))
_JOBS = "/run/vw"  # the agent's tmpfs: each job's files, shown to the job read-only at /box
_AGENT_MB = 48  # the agent, bubblewrap's monitor and the job's files, on top of the job's own memory
_AGENT_PIDS = 8
_HELLO_S = 60.0
GRACE_S = 2.0  # past a job's wall time the agent should have reported; then the container is removed


class ChannelLost(Exception):
    """The attach stream ended or broke: the container (its agent) is gone."""


class NotStarted(SandboxUnavailable):
    """The container was gone before its agent started the job: the job can go to another one."""


class Channel:
    """Frames to and from the agent over the container's attach stream (stdout demultiplexed)."""

    def __init__(self, sock: Any) -> None:
        self.raw: socket.socket = getattr(sock, "_sock", sock)
        self._mux = bytearray()  # Docker's 8-byte-header stream, not yet split
        self._out = bytearray()  # the agent's stdout
        self.stderr_tail = bytearray()

    def send(self, header: dict[str, Any], payload: bytes = b"") -> None:
        head = json.dumps({**header, "n": len(payload)}).encode()
        try:
            self.raw.settimeout(60)
            self.raw.sendall(struct.pack(">I", len(head)) + head + payload)
        except OSError as exc:
            raise ChannelLost(f"cannot write to the agent: {exc}") from exc

    def _fill(self, deadline: float) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        self.raw.settimeout(left)
        try:
            chunk = self.raw.recv(1 << 16)
        except TimeoutError:
            raise
        except OSError as exc:
            raise ChannelLost(f"the attach stream broke: {exc}") from exc
        if not chunk:
            raise ChannelLost("the agent's stream ended")
        self._mux += chunk
        while len(self._mux) >= 8:
            kind, size = self._mux[0], struct.unpack(">I", self._mux[4:8])[0]
            if len(self._mux) < 8 + size:
                break
            part = self._mux[8 : 8 + size]
            if kind == 2:
                self.stderr_tail = (self.stderr_tail + part)[-4096:]
            else:
                self._out += part
            del self._mux[: 8 + size]

    def _take(self, n: int, deadline: float) -> bytes:
        while len(self._out) < n:
            self._fill(deadline)
        data = bytes(self._out[:n])
        del self._out[:n]
        return data

    def read_frame(self, deadline: float) -> tuple[dict[str, Any], bytes]:
        (size,) = struct.unpack(">I", self._take(4, deadline))
        header: dict[str, Any] = json.loads(self._take(size, deadline))
        return header, self._take(int(header.get("n", 0)), deadline)

    def shutdown(self) -> None:
        with contextlib.suppress(OSError):
            self.raw.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.raw.close()


@dataclass
class Container:
    """One long-lived container: its id, uid, agent stream, the layout bubblewrap sees, and its use."""

    cid: str
    key: tuple[int, int, float]
    lease: UidLease
    channel: Channel
    layout: Layout
    born: float = field(default_factory=time.monotonic)
    runs: int = 0
    cancelled: bool = False
    removed: bool = False
    guard: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Ran:
    """A job's result, and whether its container may serve another (a plain exit, nothing abnormal)."""

    result: RunResult
    reusable: bool


def container_key(limits: Limits) -> tuple[int, int, float]:
    """The limits a container is made with (memory, pids, CPUs); the rest is set per job."""
    return (limits.memory_mb, limits.pids, limits.cpus)


def _host_config(api: Any, limits: Limits, uid: int) -> Any:
    from docker.types import Ulimit

    mb = 1024 * 1024
    memory = (limits.memory_mb + _AGENT_MB) * mb
    hc = api.create_host_config(
        network_mode="none",
        read_only=True,
        tmpfs={_JOBS: f"rw,nosuid,nodev,size=64m,mode=0700,uid={uid},gid={uid}"},
        mem_limit=memory,
        memswap_limit=memory,
        pids_limit=limits.pids + _AGENT_PIDS,
        nano_cpus=int(limits.cpus * 1e9),
        cap_drop=["ALL"],
        security_opt=["no-new-privileges", f"seccomp={profile_text()}"],
        ulimits=[Ulimit(name="core", soft=0, hard=0)],
        shm_size=mb,
        ipc_mode="private",
    )
    # `--security-opt systempaths=unconfined`, which the CLI turns into these two
    hc["MaskedPaths"] = []
    hc["ReadonlyPaths"] = []
    return hc


def create(api: Any, image: str, limits: Limits, owner: str, lifetime_s: float) -> Container:
    """Create and start a container, attach to its agent and learn its layout (raises on any failure)."""
    lease = lease_uid()
    cid = ""
    try:
        cid = api.create_container(
            image,
            ["python3", "-I", "-S", "-c", AGENT],
            user=f"{lease.uid}:{lease.uid}",
            hostname="sandbox",  # what jobs see: bubblewrap keeps it, so no sethostname is needed
            stdin_open=True,
            environment={"LANG": "C.UTF-8", "HOME": _JOBS},
            network_disabled=True,
            labels=owner_labels(owner, lifetime_s),
            host_config=_host_config(api, limits, lease.uid),
        )["Id"]
        api.start(cid)
        channel = Channel(api.attach_socket(cid, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1}))
        channel.send({"op": "hello", "paths": PROBE_PATHS, "globs": PROBE_GLOBS}, inner_filter())
        reply, _ = channel.read_frame(time.monotonic() + _HELLO_S)
        if reply.get("op") != "layout":
            raise SandboxUnavailable(f"the agent answered {reply!r}")
        return Container(cid, container_key(limits), lease, channel, Layout(reply["found"]))
    except BaseException as exc:
        if cid:
            with contextlib.suppress(Exception):
                api.remove_container(cid, force=True)
        lease.release()
        if isinstance(exc, ChannelLost | TimeoutError):
            raise SandboxUnavailable(f"the container's agent did not start: {exc}") from exc
        raise


def remove(api: Any, c: Container) -> None:
    """Remove the container (kills its agent and any job) and free its uid; once."""
    with c.guard:
        if c.removed:
            return
        c.removed = True
    c.channel.shutdown()  # a job's thread reading the stream wakes at once
    with contextlib.suppress(Exception):
        api.remove_container(c.cid, force=True)
    c.channel.close()
    c.lease.release()


@dataclass
class _Streams:
    out: BoundedBuffer
    err: BoundedBuffer
    started: bool = False


def run_job(
    api: Any, c: Container, argv: list[str], files: dict[str, bytes], stdin: bytes, limits: Limits
) -> Ran:
    """Run one job in `c` (the caller holds it alone). A timeout, an OOM kill, a job killed by a signal
    or a lost container makes it not reusable; raises `SandboxUnavailable` if the job never started."""
    full = bwrap_argv("bwrap", c.layout, "{box}", limits, argv, hostname=False, seccomp_fd="{seccomp_fd}")
    job = {
        "op": "run",
        "argv": full,
        "env": SANDBOX_ENV,
        "files": {name: len(data) for name, data in files.items()},
        "stdin": len(stdin),
        "rlimits": rlimits(limits),
        "wall_s": limits.wall_s,
        "max_output": limits.max_output_bytes,
    }
    streams = _Streams(BoundedBuffer(limits.max_output_bytes), BoundedBuffer(limits.max_output_bytes))
    start = time.monotonic()
    c.runs += 1
    try:
        c.channel.send(job, b"".join(files.values()) + stdin)
        done = _collect(c, streams, start + limits.wall_s + GRACE_S)
    except ChannelLost as exc:
        if not streams.started and not c.cancelled:
            raise NotStarted(f"the container was gone before the job started: {exc}") from exc
        return Ran(_lost(api, c, streams, start, str(exc)), False)
    except TimeoutError:
        remove(api, c)  # the agent did not report in time: stop everything
        return Ran(_result(c, streams, start, None, timed_out=True), False)
    res = _result(c, streams, start, done)
    # bubblewrap reports a job killed by a signal as 128 + n
    abnormal = res.timed_out or res.oom_killed or res.exit_code is None or res.exit_code > 128
    return Ran(res, not abnormal)


def _collect(c: Container, streams: _Streams, deadline: float) -> dict[str, Any]:
    while True:
        header, data = c.channel.read_frame(deadline)
        op = header.get("op")
        if op == "started":
            streams.started = True
        elif op == "out":
            (streams.out if header.get("fd") == 1 else streams.err).write(data)
        elif op == "done":
            dropped = header.get("dropped") or [0, 0]
            streams.out.dropped += int(dropped[0])
            streams.err.dropped += int(dropped[1])
            return header
        elif op == "failed":
            raise SandboxUnavailable(f"the layered sandbox could not start the job: {header.get('why')}")
        else:
            raise SandboxUnavailable(f"the agent sent {op!r}")


def _lost(api: Any, c: Container, streams: _Streams, start: float, why: str) -> RunResult:
    """The agent's stream ended mid-job: cancelled by us, the OOM killer, or a kill from outside."""
    oom = False
    if not c.cancelled:
        deadline = time.monotonic() + 10
        with contextlib.suppress(Exception):
            while time.monotonic() < deadline:
                state = api.inspect_container(c.cid)["State"]
                if not state.get("Running"):
                    oom = bool(state.get("OOMKilled"))
                    break
                time.sleep(0.02)
    res = _result(c, streams, start, None, oom_killed=oom)
    res.notes.append("cancelled" if c.cancelled else f"container lost: {why}")
    return res


def _result(
    c: Container,
    streams: _Streams,
    start: float,
    done: dict[str, Any] | None,
    timed_out: bool = False,
    oom_killed: bool = False,
) -> RunResult:
    notes = [f"container {c.cid[:12]}", f"host uid {c.lease.uid}", f"run {c.runs} of this container"]
    code: int | None = None
    cpu = peak = None
    if done is not None:
        status = done.get("status")
        timed_out = bool(done.get("timed_out"))
        oom_killed = (done.get("oom_kills") or 0) > 0
        if status is not None and not timed_out and os.WIFEXITED(status):
            code = os.WEXITSTATUS(status)
        cpu, peak = float(done.get("cpu_s") or 0), float(done.get("maxrss_kb") or 0) / 1024.0
    return RunResult(
        exit_code=code,
        stdout=bytes(streams.out.data),
        stderr=bytes(streams.err.data),
        wall_s=time.monotonic() - start,
        cpu_s=cpu,
        peak_memory_mb=peak,
        timed_out=timed_out,
        oom_killed=oom_killed,
        stdout_truncated=streams.out.truncated,
        stderr_truncated=streams.err.truncated,
        backend="layered",
        notes=notes,
    )

"""Sandbox faults on every real backend: cancelled callers free their job at once and slots never
undercount running jobs; warm containers that vanish are replaced; the reaper never touches another
instance's live containers (host names and pids collide across containers and pid namespaces).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator

import pytest
from _backends import BACKENDS, REASONS, make

from veriward.sandbox import DEFAULT_IMAGE, DockerSandbox, LayeredSandbox, Sandbox
from veriward.sandbox._docker import LABEL

_DOCKER_REASON = REASONS["docker"]
_LAYERED_REASON = REASONS["layered"]
SLEEP = ["python3", "-I", "-c", "import time; time.sleep(60)"]
HELLO = ["python3", "-I", "-c", "print('hello')"]


@pytest.fixture(params=BACKENDS)
async def sandbox(request: pytest.FixtureRequest) -> AsyncIterator[Sandbox]:
    sb = make(request.param, max_jobs=2, warm=1)
    await sb.start()
    yield sb
    await sb.close()


def _docker_api() -> object:
    import docker

    return docker.from_env().api  # type: ignore[attr-defined]


def _running_jobs(sb: Sandbox) -> int:
    """The jobs alive now, counted as processes on the host on every backend (a container's processes are
    host processes too; counting containers would also count a warm one still being made)."""
    import subprocess

    # the job itself, not its bwrap parent
    pattern = "^python3 -I -c import time; time.sleep\\(60\\)"
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout
    return len(out.split())


async def test_cancelled_runs_stop_at_once_and_hold_their_slot_until_gone(sandbox: Sandbox) -> None:
    peak = 0
    for _ in range(3):  # waves of callers that give up after 1 s on jobs that would run a minute
        tasks = [asyncio.create_task(asyncio.wait_for(sandbox.run(SLEEP), 1.0)) for _ in range(6)]
        for _ in range(20):
            running = _running_jobs(sandbox)
            assert running <= 2  # never more jobs alive than slots
            peak = max(peak, running)
            await asyncio.sleep(0.1)
        for t in tasks:
            with pytest.raises((TimeoutError, asyncio.CancelledError)):
                await t
    assert peak == 2  # the jobs did run (the count sees them)
    # Every caller has given up: their jobs (each would run 60 s, or its 10 s wall limit) stop now.
    deadline = time.monotonic() + 5
    while _running_jobs(sandbox) > 0:
        assert time.monotonic() < deadline, "cancelled jobs still running"
        await asyncio.sleep(0.2)
    t0 = time.monotonic()
    r = await sandbox.run(HELLO)
    assert r.exit_code == 0 and r.stdout == b"hello\n"
    assert time.monotonic() - t0 < 8, "a new job waited behind abandoned ones"


@pytest.mark.docker
@pytest.mark.skipif(_DOCKER_REASON is not None, reason=str(_DOCKER_REASON))
async def test_a_vanished_warm_container_is_replaced() -> None:
    sb = DockerSandbox(warm=1, max_jobs=2)
    await sb.start()
    try:
        deadline = time.monotonic() + 30
        while sb._ready is None or sb._ready.empty():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        import docker

        api = _docker_api()
        for c in api.containers(filters={"label": f"{LABEL}.owner={sb.owner}"}):  # type: ignore[attr-defined]
            # one the upkeep is still making may be gone already (its maker removes it on failure)
            with contextlib.suppress(docker.errors.NotFound):
                api.remove_container(c["Id"], force=True)  # type: ignore[attr-defined]
        r = await sb.run(HELLO)
        assert r.exit_code == 0 and r.stdout == b"hello\n"
    finally:
        await sb.close()


@pytest.mark.docker
@pytest.mark.skipif(_LAYERED_REASON is not None, reason=str(_LAYERED_REASON))
async def test_vanished_layered_containers_are_replaced() -> None:
    # Idle containers removed from outside (or by an engine restart): the job goes to a fresh one.
    sb = LayeredSandbox(warm=2, max_jobs=2)
    await sb.start()
    try:
        first = await sb.run(HELLO)
        deadline = time.monotonic() + 30
        while len(sb._idle) < 2:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        import docker

        api = _docker_api()
        for c in api.containers(filters={"label": f"{LABEL}.owner={sb.owner}"}):  # type: ignore[attr-defined]
            # one the upkeep is still making may be gone already (its maker removes it on failure)
            with contextlib.suppress(docker.errors.NotFound):
                api.remove_container(c["Id"], force=True)  # type: ignore[attr-defined]
        r = await sb.run(HELLO)
        assert r.exit_code == 0 and r.stdout == b"hello\n", r
        assert r.notes[0] != first.notes[0]  # another container
    finally:
        await sb.close()


@pytest.mark.docker
@pytest.mark.skipif(_DOCKER_REASON is not None, reason=str(_DOCKER_REASON))
async def test_the_reaper_removes_expired_containers_and_never_a_live_neighbours() -> None:
    api = _docker_api()
    host = socket.gethostname()
    dead_pid = str(2**22 + 12345)  # what the old rule took for "dead": same host, no such pid here

    def make(labels: dict[str, str]) -> str:
        cid: str = api.create_container(DEFAULT_IMAGE, ["sleep", "60"], labels={LABEL: "1", **labels})["Id"]  # type: ignore[attr-defined]
        api.start(cid)  # type: ignore[attr-defined]
        return cid

    expired = make({f"{LABEL}.owner": "gone", f"{LABEL}.expires": str(int(time.time()) - 5)})
    neighbour = make(
        {
            f"{LABEL}.owner": "another-server",
            f"{LABEL}.expires": str(int(time.time()) + 3600),
            f"{LABEL}.host": host,
            f"{LABEL}.pid": dead_pid,
        }
    )
    try:
        sb = DockerSandbox(warm=0)
        await sb.start()
        await sb.close()
        assert not api.containers(all=True, filters={"id": expired})  # type: ignore[attr-defined]
        assert api.containers(filters={"id": neighbour}), "a live neighbour's container was reaped"  # type: ignore[attr-defined]
    finally:
        for cid in (expired, neighbour):
            with contextlib.suppress(Exception):
                api.remove_container(cid, force=True)  # type: ignore[attr-defined]


def test_memory_beyond_the_servers_cap_is_a_422(make_server) -> None:  # type: ignore[no-untyped-def]
    server = make_server(sandbox_max_memory_mb=1024, pool_workers=1)
    ref = {"language": "python", "entry_point": "f", "cases": [{"args": [1], "expected": 2}]}
    body = {"verifier": "code", "response": "def f(x):\n    return x + 1", "reference": ref}
    with server.client() as c:
        big = c.post("/v1/score", json={**body, "reference": {**ref, "memory_limit_mb": 4096}})
        assert big.status_code == 422 and "VERIWARD_SANDBOX_MAX_MEMORY_MB" in big.text
        batch = c.post(
            "/v1/score/batch",
            json={"requests": [{**body, "reference": {**ref, "memory_limit_mb": 4096}}, body]},
        ).json()["results"]
    assert batch[0]["verdict"] == "error" and batch[0]["reason"].startswith("bad request")
    assert batch[1]["verdict"] == "correct", batch[1]


@pytest.mark.docker
@pytest.mark.skipif(_DOCKER_REASON is not None, reason=str(_DOCKER_REASON))
def test_a_sandbox_that_failed_to_start_is_tried_again(make_server) -> None:  # type: ignore[no-untyped-def]
    # The image is missing at first (being built, say): `error`; once it exists, the same server scores.
    import subprocess
    import uuid

    tag = f"veriward-sandbox-python:retry-{uuid.uuid4().hex[:8]}"
    server = make_server(sandbox="docker", sandbox_image=tag, sandbox_warm=0, pool_workers=1)
    ref = {"language": "python", "entry_point": "f", "cases": [{"args": [1], "expected": 2}]}
    body = {"verifier": "code", "response": "def f(x):\n    return x + 1", "reference": ref, "timeout_s": 60}
    try:
        with server.client() as c:
            first = c.post("/v1/score", json=body).json()
            assert first["verdict"] == "error" and "not found" in first["reason"], first
            subprocess.run(["docker", "tag", DEFAULT_IMAGE, tag], check=True, timeout=60)
            deadline = time.monotonic() + 30
            while (r := c.post("/v1/score", json=body).json())["verdict"] == "error":
                assert time.monotonic() < deadline, r
                time.sleep(1)
            assert r["verdict"] == "correct", r
    finally:
        subprocess.run(["docker", "rmi", tag], capture_output=True, timeout=60)

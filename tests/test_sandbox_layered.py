"""The layered backend: hardened long-lived containers, a fresh bubblewrap sandbox per job inside them.

On a real Docker engine: how the containers are made, when they are recycled, that a job leaves nothing
for the next job in the same container, and that a job can neither see nor signal the agent nor another
job. Both syscall filters are checked on the real kernel beside the Docker backend's errnos (the inner BPF
program against a reference decision, by an interpreter: tests/test_sandbox_seccomp.py).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from _backends import REASONS

from veriward.sandbox import DockerSandbox, LayeredSandbox, Limits, RunResult
from veriward.sandbox._docker import LABEL
from veriward.sandbox._seccomp import PROFILE
from veriward.sandbox._uids import UID_BASE, UID_COUNT

pytestmark = [
    pytest.mark.docker,
    pytest.mark.skipif(REASONS["layered"] is not None, reason=f"layered: {REASONS['layered']}"),
]


def py(code: str) -> list[str]:
    return ["python3", "-I", "-c", code]


def container_of(r: RunResult) -> str:
    return r.notes[0].split()[-1]


@pytest.fixture
def api() -> Iterator[Any]:
    import docker

    client = docker.from_env()
    yield client.api
    client.close()


@pytest.fixture
async def one() -> AsyncIterator[LayeredSandbox]:
    """One job at a time and no warm containers: consecutive jobs share a container until it is recycled."""
    sb = LayeredSandbox(warm=0, max_jobs=1, max_runs=50)
    await sb.start()
    yield sb
    await sb.close()


async def test_containers_are_hardened_and_removed(api: Any) -> None:
    sb = LayeredSandbox(warm=1, max_jobs=2, max_age_s=120)
    await sb.start()
    r = await sb.run(py("pass"))
    assert r.exit_code == 0, r
    mine = api.containers(filters={"label": f"{LABEL}.owner={sb.owner}"})
    assert mine
    info = api.inspect_container(mine[0]["Id"])
    hc, cfg = info["HostConfig"], info["Config"]
    assert hc["NetworkMode"] == "none" and hc["ReadonlyRootfs"] and hc["CapDrop"] == ["ALL"]
    assert not hc["Privileged"] and hc["IpcMode"] == "private"
    assert hc["Memory"] == hc["MemorySwap"] > 0 and hc["PidsLimit"] > 0 and hc["NanoCpus"] > 0
    assert "no-new-privileges" in hc["SecurityOpt"]
    profiles = [o.split("=", 1)[1] for o in hc["SecurityOpt"] if o.startswith("seccomp=")]
    assert [json.loads(p) for p in profiles] == [json.loads(PROFILE.read_text())]  # never unconfined
    uid, gid = map(int, cfg["User"].split(":"))
    assert uid == gid and UID_BASE <= uid < UID_BASE + UID_COUNT
    expires = float(cfg["Labels"][f"{LABEL}.expires"])
    assert time.time() < expires <= time.time() + 120 + 3600 + 5
    await sb.close()
    assert api.containers(all=True, filters={"label": f"{LABEL}.owner={sb.owner}"}) == []


async def test_concurrent_containers_have_their_own_uids(api: Any) -> None:
    sb = LayeredSandbox(warm=0, max_jobs=3)
    await sb.start()
    try:
        rs = await asyncio.gather(*(sb.run(py("import time; time.sleep(0.5)")) for _ in range(3)))
        assert len({container_of(r) for r in rs}) == 3
        assert len({r.notes[1] for r in rs}) == 3  # "host uid N"
    finally:
        await sb.close()


CRASH = "import ctypes; ctypes.string_at(0)"  # SIGSEGV: the kernel's, so it kills even a pid 1
# tmpfs pages count in the container's memory cgroup but in no address space: the OOM killer's case
FILL = "f = open('/tmp/big', 'wb')\nfor _ in range(300):\n    f.write(b'x' * (1 << 20))\n"


@pytest.mark.parametrize(
    ("job", "limits", "why"),
    [
        (py("import time; time.sleep(30)"), Limits(wall_s=1), "timeout"),
        (py(FILL), Limits(memory_mb=128, tmp_mb=512, fsize_mb=1024), "oom"),
        (py(CRASH), Limits(), "killed by a signal"),
    ],
)
async def test_a_container_is_recycled_after_an_abnormal_run(
    one: LayeredSandbox, job: list[str], limits: Limits, why: str
) -> None:
    first = await one.run(py("pass"), limits=limits)
    bad = await one.run(job, limits=limits)
    assert bad.exit_code != 0, bad
    assert bad.timed_out == (why == "timeout") and bad.oom_killed == (why == "oom"), bad
    after = await one.run(py("pass"), limits=limits)
    assert after.exit_code == 0
    assert container_of(after) != container_of(bad) == container_of(first), (why, bad.notes, after.notes)


async def test_containers_are_recycled_after_n_runs_and_on_a_timer() -> None:
    sb = LayeredSandbox(warm=0, max_jobs=1, max_runs=3, max_age_s=2.0)
    await sb.start()
    try:
        ids = [container_of(await sb.run(py("pass"))) for _ in range(4)]
        assert ids[0] == ids[1] == ids[2] != ids[3]
        await asyncio.sleep(2.5)
        assert container_of(await sb.run(py("pass"))) != ids[3]
    finally:
        await sb.close()


LEAVE = r"""
import ctypes, os, subprocess
libc = ctypes.CDLL(None)
open('/tmp/left', 'w').write('secret'); open('/dev/shm/left', 'w').write('secret')
print(libc.shmget(4242, 4096, 0o1666) >= 0, libc.msgget(4243, 0o1666) >= 0, libc.semget(4244, 1, 0o1666) >= 0)
libc.mq_open(b'/left', os.O_CREAT | os.O_RDWR, 0o666, None)
# a daemon: double fork, new session, ignores SIGHUP/SIGTERM, would write into the next job's /tmp
subprocess.Popen(['python3', '-c', 'import os,signal,time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n'
                  'os.setsid()\nwhile True:\n    time.sleep(0.05)\n    try: open("/tmp/from-a", "w")\n'
                  '    except OSError: pass\n'], start_new_session=True)
"""
LOOK = r"""
import os
pids = [p for p in os.listdir('/proc') if p.isdigit()]
ipc = [len(open(f'/proc/sysvipc/{k}').read().splitlines()) - 1 for k in ('shm', 'msg', 'sem')]
dirs = [sorted(os.listdir(d)) for d in ('/tmp', '/dev/shm', '/dev/mqueue')]
print(*dirs, ipc, pids)
"""


async def test_a_job_leaves_nothing_for_the_next_job_in_its_container(one: LayeredSandbox, api: Any) -> None:
    a = await one.run(py(LEAVE), limits=Limits(wall_s=10))
    assert a.exit_code == 0 and a.stdout.split() == [b"True", b"True", b"True"], a
    cid = container_of(a)
    top = api.top(cid)["Processes"]
    assert len(top) == 1, top  # the agent alone: A's daemon died with A's pid namespace
    await asyncio.sleep(0.3)
    b = await one.run(py(LOOK))
    assert container_of(b) == cid, (a.notes, b.notes)
    assert b.stdout.decode().strip() == "[] [] [] [0, 0, 0] ['1']", b


HOSTILE = r"""
import os, signal
hit = []
for pid in range(2, 1 << 15):
    try:
        os.kill(pid, signal.SIGKILL); hit.append(pid)
    except OSError:
        pass
try:
    os.kill(-1, signal.SIGKILL)
except OSError:
    pass
seen = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
print('hit', hit, 'seen', seen, sorted(os.listdir('/proc/self/fd')))
"""


async def test_a_job_cannot_see_or_signal_the_agent_or_another_job(api: Any) -> None:
    sb = LayeredSandbox(warm=0, max_jobs=2, max_runs=50)
    await sb.start()
    try:
        victim = asyncio.create_task(sb.run(py("import time; time.sleep(4); print('alive')")))
        await asyncio.sleep(1.0)
        hostile = await sb.run(py(HOSTILE), limits=Limits(wall_s=20))
        assert hostile.exit_code == 0, hostile
        # nothing to signal but itself, nothing in sight but itself, no descriptor but its pipes
        assert hostile.stdout.decode().split("\n")[0] == "hit [] seen [1] ['0', '1', '2', '3']", hostile
        v = await victim
        assert (v.exit_code, v.stdout) == (0, b"alive\n"), v
        assert container_of(v) != container_of(hostile)
        # the hostile job's agent still serves: the next job goes to the same container
        again = await sb.run(py("print('ok')"))
        assert again.stdout == b"ok\n" and container_of(again) in {container_of(hostile), container_of(v)}
        assert len(api.top(container_of(hostile))["Processes"]) == 1
    finally:
        await sb.close()


SYSCALLS = r"""
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def errno_of(r):
    return ctypes.get_errno() if r == -1 else 0
out = [
    errno_of(libc.unshare(0x10000000)),  # CLONE_NEWUSER
    errno_of(libc.unshare(0x00020000)),  # CLONE_NEWNS
    errno_of(libc.mount(b'none', b'/tmp', b'tmpfs', 0, None)),
    errno_of(libc.umount2(b'/tmp', 2)),
    errno_of(libc.pivot_root(b'/tmp', b'/tmp')),
    errno_of(libc.syscall(56, 0x40000000 | 17, 0, 0, 0, 0)),  # clone(CLONE_NEWNET | SIGCHLD), x86_64
    errno_of(libc.syscall(435, 0, 0)),  # clone3
    errno_of(libc.sethostname(b'x', 1)),
    errno_of(libc.setns(0, 0)),
    errno_of(libc.syscall(250, 0, 0, 0)),  # keyctl
]
print(out)
"""


async def test_a_job_has_docker_defaults_syscalls_not_the_profiles_additions() -> None:
    import platform

    if platform.machine() != "x86_64":
        pytest.skip("the probe uses x86_64 syscall numbers")
    if REASONS["docker"] is not None:
        pytest.skip(f"docker: {REASONS['docker']}")
    got = {}
    for sb in (LayeredSandbox(warm=0, max_jobs=1), DockerSandbox(warm=0, max_jobs=1)):
        await sb.start()
        try:
            r = await sb.run(py(SYSCALLS))
        finally:
            await sb.close()
        assert r.exit_code == 0, r
        got[sb.name] = json.loads(r.stdout)
    assert got["layered"] == got["docker"], got
    assert all(e != 0 for e in got["layered"]), got  # every one refused
    fork = await _one_run(py("import os, threading; t = threading.Thread(target=print); t.start(); t.join()"))
    assert fork.exit_code == 0, fork


async def _one_run(argv: list[str]) -> RunResult:
    sb = LayeredSandbox(warm=0, max_jobs=1)
    await sb.start()
    try:
        return await sb.run(argv)
    finally:
        await sb.close()

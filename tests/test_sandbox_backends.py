"""The sandbox interface on every real backend: limits, isolation, cleanup, and no unsandboxed fallback."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from _backends import BACKENDS, REASONS, make

from veriward.sandbox import (
    DockerSandbox,
    Limits,
    ProcessSandbox,
    RunResult,
    Sandbox,
    SandboxUnavailable,
    doctor,
    select_sandbox,
)
from veriward.sandbox._docker import LABEL

_DOCKER_REASON = REASONS["docker"]
_PROCESS_REASON = REASONS["process"]


@pytest.fixture(params=BACKENDS)
async def sandbox(request: pytest.FixtureRequest) -> AsyncIterator[Sandbox]:
    sb = make(request.param, max_jobs=4, warm=1)
    await sb.start()
    yield sb
    await sb.close()


def py(code: str) -> list[str]:
    return ["python3", "-I", "-c", code]


async def test_runs_files_and_stdin_as_non_root(sandbox: Sandbox) -> None:
    code = "import os,sys; print(os.getuid(), open('/box/in.txt').read(), sys.stdin.read(), os.getcwd())"
    r = await sandbox.run(py(code), files={"in.txt": b"file"}, stdin=b"piped")
    assert r.exit_code == 0, r.stderr
    uid, file_text, stdin_text, cwd = r.stdout.decode().split()
    assert int(uid) != 0 and (file_text, stdin_text, cwd) == ("file", "piped", "/box")
    assert r.backend == sandbox.name and not r.timed_out


async def test_exit_code_and_stderr(sandbox: Sandbox) -> None:
    r = await sandbox.run(py("import sys; sys.stderr.write('boom'); sys.exit(7)"))
    assert (r.exit_code, r.stderr) == (7, b"boom")


async def test_output_is_bounded(sandbox: Sandbox) -> None:
    r = await sandbox.run(
        py("import sys; sys.stdout.write('x' * 3_000_000)"), limits=Limits(max_output_bytes=1000)
    )
    assert len(r.stdout) == 1000 and r.stdout_truncated


async def test_timeout_kills_the_whole_job(sandbox: Sandbox) -> None:
    # A detached grandchild that would outlive a naive kill must die too: the next job sees nothing of it.
    code = (
        "import os,subprocess,time; subprocess.Popen(['sleep','30'], start_new_session=True); "
        "print('started', flush=True); time.sleep(30)"
    )
    start = time.monotonic()
    r = await sandbox.run(py(code), limits=Limits(wall_s=1.5))
    assert r.timed_out and r.exit_code is None and b"started" in r.stdout
    assert time.monotonic() - start < 10
    ps = await sandbox.run(py("import os; print(len([p for p in os.listdir('/proc') if p.isdigit()]))"))
    assert ps.stdout.strip() == b"1"  # only the probe itself in its pid namespace / container


async def test_no_network_to_a_host_listener(sandbox: Sandbox) -> None:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    srv.settimeout(0.2)
    port = srv.getsockname()[1]
    got: list[object] = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                got.append(srv.accept())
            except OSError:
                continue

    t = threading.Thread(target=accept)
    t.start()
    code = (
        "import socket\nfor host in ('127.0.0.1', 'host.docker.internal', '172.17.0.1', '10.0.2.2'):\n"
        f"    try:\n        socket.create_connection((host, {port}), timeout=1).sendall(b'x')\n"
        "        print('OPEN', host)\n"
        "    except OSError as e:\n        print('closed', host, type(e).__name__)\n"
    )
    r = await sandbox.run(py(code), limits=Limits(wall_s=8))
    from_sandbox = list(got)
    socket.create_connection(("127.0.0.1", port), timeout=2).close()  # control: the listener does listen
    for _ in range(50):
        if got:
            break
        await asyncio.sleep(0.05)
    done.set()
    t.join()
    srv.close()
    assert b"OPEN" not in r.stdout and from_sandbox == [], r.stdout
    assert len(got) == 1


async def test_root_is_read_only_and_tmp_is_private(sandbox: Sandbox) -> None:
    write = (
        "import os\nfor p in ('/usr/x', '/etc/x', '/box/x'):\n"
        "    try:\n        open(p, 'w'); print('WROTE', p)\n    except OSError:\n        pass\n"
        "open('/tmp/left', 'w').write('1'); open(os.path.expanduser('~/left2'), 'w').write('1')\n"
    )
    r = await sandbox.run(py(write))
    assert r.exit_code == 0 and b"WROTE /usr" not in r.stdout and b"WROTE /etc" not in r.stdout
    look = "import os; print(os.path.exists('/tmp/left'), os.path.exists(os.path.expanduser('~/left2')))"
    r2 = await sandbox.run(py(look))
    assert r2.stdout.split() == [b"False", b"False"]


async def test_tmp_is_size_capped(sandbox: Sandbox) -> None:
    code = (
        "try:\n    open('/tmp/big','wb').write(b'x' * (40 << 20)); print('WROTE')\n"
        "except OSError as e:\n    print('refused', e.errno)\n"
    )
    r = await sandbox.run(py(code), limits=Limits(tmp_mb=8, fsize_mb=64))
    assert b"refused" in r.stdout or r.exit_code != 0, r


async def test_fork_bomb_is_contained(sandbox: Sandbox) -> None:
    code = (
        "import os\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
        "            import time; time.sleep(30)\n        n += 1\nexcept OSError:\n    print('capped', n)\n"
    )
    r = await sandbox.run(py(code), limits=Limits(wall_s=10, pids=32))
    assert b"capped" in r.stdout, r
    assert int(r.stdout.split()[1]) < 32


async def test_memory_is_capped(sandbox: Sandbox) -> None:
    code = "x = []\nwhile True:\n    x.append(bytearray(16 << 20))\n"
    r = await sandbox.run(py(code), limits=Limits(memory_mb=128, wall_s=10))
    assert r.exit_code != 0 and not r.timed_out
    assert r.oom_killed or b"MemoryError" in r.stderr


async def test_concurrent_jobs_do_not_see_each_other(sandbox: Sandbox) -> None:
    code = (
        "import sys,time\nopen('/tmp/me','w').write(sys.argv[1])\n"
        "time.sleep(0.3)\nprint(open('/tmp/me').read())"
    )
    results = await asyncio.gather(*(sandbox.run([*py(code), str(i)]) for i in range(4)))
    assert [r.stdout.strip() for r in results] == [str(i).encode() for i in range(4)]


def test_select_refuses_without_a_backend() -> None:
    # No fallback to a bare subprocess: an unusable backend is refused with its reason.
    for kind in ("docker", "layered"):
        with pytest.raises(SandboxUnavailable, match=r"veriward-no-such-image:0 not found|no Docker engine"):
            select_sandbox(kind, image="veriward-no-such-image:0")
    reason = ProcessSandbox(bwrap="/nonexistent/bwrap").check()
    assert reason is not None and "not installed" in reason


def test_doctor_reports_every_backend() -> None:
    statuses = {s.name: s for s in doctor()}
    assert set(statuses) == set(REASONS)
    for name, reason in REASONS.items():
        assert statuses[name].ok == (reason is None), (name, statuses[name].reason)


@pytest.fixture
def docker_api() -> Iterator[object]:
    if _DOCKER_REASON is not None:
        pytest.skip(_DOCKER_REASON)
    import docker

    client = docker.from_env()
    yield client.api
    client.close()


@pytest.mark.docker
async def test_docker_containers_are_hardened_and_removed(docker_api: object) -> None:
    api: object = docker_api
    sb = DockerSandbox(warm=2, max_jobs=2)
    await sb.start()
    await sb.run(py("pass"))
    await asyncio.sleep(0.5)
    mine = api.containers(all=True, filters={"label": f"{LABEL}.owner={sb.owner}"})  # type: ignore[attr-defined]
    assert mine, "warm containers should be waiting"
    hc = api.inspect_container(mine[0]["Id"])["HostConfig"]  # type: ignore[attr-defined]
    assert hc["NetworkMode"] == "none" and hc["ReadonlyRootfs"] and hc["CapDrop"] == ["ALL"]
    assert hc["Memory"] == hc["MemorySwap"] > 0 and hc["PidsLimit"] > 0 and hc["NanoCpus"] > 0
    assert "no-new-privileges" in hc["SecurityOpt"]
    assert {u["Name"] for u in hc["Ulimits"]} >= {"nofile", "fsize"}
    await sb.close()
    left = api.containers(all=True, filters={"label": f"{LABEL}.owner={sb.owner}"})  # type: ignore[attr-defined]
    assert left == []


def test_process_backend_host_uids_are_unique_and_leave_no_process() -> None:
    if _PROCESS_REASON is not None or os.geteuid() != 0:
        pytest.skip("needs bubblewrap and root (per-job host uids)")

    async def go() -> list[RunResult]:
        # Two backends stand for two veriward processes on one host: their jobs still never share a uid.
        a, b = ProcessSandbox(max_jobs=3), ProcessSandbox(max_jobs=3)
        await a.start()
        await b.start()
        job = py(
            "import subprocess, time\n"
            "subprocess.Popen(['sleep', '60'], start_new_session=True)\ntime.sleep(0.5)"
        )
        results = await asyncio.gather(*(sb.run(job) for sb in (a, b, a, b, a, b)))
        await a.close()
        await b.close()
        return list(results)

    results = asyncio.run(go())
    uids = [int(r.notes[0].split()[-1]) for r in results]
    assert len(set(uids)) == len(uids)
    owners = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            owners.add(os.stat(f"/proc/{pid}").st_uid)
        except OSError:
            continue
    assert not set(uids) & owners


@pytest.mark.docker
async def test_docker_cancelled_jobs_leave_no_container(docker_api: object) -> None:
    # A request whose budget runs out while its container is still being created must not leak it.
    api: object = docker_api
    sb = DockerSandbox(warm=0, max_jobs=4)
    await sb.start()
    try:
        for _ in range(3):
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(sb.run(py("import time; time.sleep(30)")), timeout=0.05)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(sb.run(py("import time; time.sleep(30)")), timeout=2.0)
        deadline = time.monotonic() + 30
        left: list[object] = [None]
        while left and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            left = api.containers(all=True, filters={"label": f"{LABEL}.owner={sb.owner}"})  # type: ignore[attr-defined]
        assert left == []
    finally:
        await sb.close()


async def test_non_dumpable_processes_are_closed_to_their_siblings(sandbox: Sandbox) -> None:
    # The code runner and test checker rely on this: same uid, but no /proc/<pid>/fd or /mem once
    # PR_SET_DUMPABLE is 0. The dumpable sibling is the control showing the access exists otherwise.
    code = (
        "import os, subprocess, time\n"
        "a = subprocess.Popen(['python3', '-c', 'import time; time.sleep(5)'], stdout=subprocess.PIPE)\n"
        "nd = 'import ctypes, time; ctypes.CDLL(None).prctl(4, 0, 0, 0, 0); time.sleep(5)'\n"
        "b = subprocess.Popen(['python3', '-c', nd], stdout=subprocess.PIPE)\n"
        "time.sleep(1)\n"
        "for name, p in (('dumpable', a), ('nondumpable', b)):\n"
        "    for what, mode in (('fd/1', os.O_WRONLY), ('mem', os.O_RDONLY)):\n"
        "        try:\n            os.close(os.open(f'/proc/{p.pid}/{what}', mode))\n"
        "            print(name, what, 'open')\n"
        "        except OSError:\n            print(name, what, 'denied')\n"
    )
    r = await sandbox.run(py(code), limits=Limits(wall_s=20))
    lines = set(r.stdout.decode().splitlines())
    assert {"dumpable fd/1 open", "dumpable mem open"} <= lines, r
    assert {"nondumpable fd/1 denied", "nondumpable mem denied"} <= lines, r


async def test_dev_is_read_only_but_a_small_dev_shm(sandbox: Sandbox) -> None:
    # bubblewrap's /dev used to be a writable tmpfs of half the host's RAM.
    code = (
        "import os\nout = []\nfor p in ('/dev/x', '/dev/shm/small'):\n"
        "    try:\n        open(p, 'w').write('1'); out.append('wrote ' + p)\n"
        "    except OSError:\n        out.append('refused ' + p)\n"
        "try:\n    open('/dev/shm/big', 'wb').write(b'x' * (2 << 20)); out.append('wrote big')\n"
        "except OSError:\n    out.append('refused big')\n"
        "print('|'.join(out))\n"
    )
    r = await sandbox.run(py(code), limits=Limits(shm_mb=1))
    assert r.stdout.decode().strip() == "refused /dev/x|wrote /dev/shm/small|refused big", r


async def test_jobs_do_not_share_system_v_ipc(sandbox: Sandbox) -> None:
    make = (
        "import ctypes\nlibc = ctypes.CDLL(None)\n"
        "print(libc.shmget(777, 4096, 0o1600) >= 0, libc.msgget(778, 0o1600) >= 0)\n"
    )
    look = (
        "import ctypes\nlibc = ctypes.CDLL(None)\n"
        "print(libc.shmget(777, 4096, 0o600), libc.msgget(778, 0o600))\n"
    )
    first = await sandbox.run(py(make))
    assert first.stdout.split() == [b"True", b"True"], first
    second = await sandbox.run(py(look))
    assert second.stdout.split() == [b"-1", b"-1"], second  # a fresh IPC namespace: nothing of the first

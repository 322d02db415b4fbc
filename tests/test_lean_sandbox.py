"""The Lean REPL's jail: bubblewrap with no network, read-only binds, a private /tmp, an unprivileged uid
(when veriward runs as root) and an empty environment, so that even with a toolchain a caller cannot run
code on the host or read the server's secrets.

TEST DOUBLE: no Lean toolchain can be installed here, so the jailed process is `tests/lean_fake_repl.py`
(the transcript replayer, with its PROBE knob reporting what it can see and do) under the system Python,
and the kernel replay is `tests/lean_fake_replay.py`. The jail, bubblewrap, the processes and the files are
all real.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SHARED

from veriward.sandbox import ProcessSandbox
from veriward.verifiers.lean._repl import ReplProcess
from veriward.verifiers.lean._replay import ReplayConfig, run_replay
from veriward.verifiers.lean._sandbox import INSIDE_TMP, JailConfig, lean_env, open_jail

TRANSCRIPTS = SHARED / "lean" / "repl-transcripts"
TESTS = Path(__file__).parent
PY = "/usr/bin/python3"
WHY = ProcessSandbox().check()
pytestmark = [
    pytest.mark.skipif(WHY is not None, reason=f"bubblewrap cannot run here: {WHY}"),
    pytest.mark.skipif(not Path(PY).exists(), reason=f"{PY} (a Python outside any venv) is not installed"),
]
JAIL = JailConfig(bwrap="bwrap", ro_paths=(str(TESTS), str(TRANSCRIPTS)))
SECRETS = {
    "VERIWARD_API_KEY": "sk-test-secret-1",
    "OPENAI_API_KEY": "sk-test-secret-2",
    "AWS_SECRET": "x" * 12,
}


@pytest.fixture
def listener() -> Iterator[int]:
    """A TCP port on the host's loopback that accepts connections (a server the REPL must not reach)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    try:
        yield srv.getsockname()[1]
    finally:
        srv.close()


async def spawn(*knobs: str, jail: JailConfig = JAIL) -> ReplProcess:
    argv = [PY, "-I", str(TESTS / "lean_fake_repl.py"), str(TRANSCRIPTS), *knobs]
    return await ReplProcess.spawn(argv, None, header="", jail=jail)


async def test_the_fake_repl_works_inside_the_jail() -> None:
    repl = await spawn()
    try:
        r0 = await repl.send({"cmd": "def f := 37"}, time.monotonic() + 20)
        r1 = await repl.send({"cmd": "#check (rfl : f = 37)", "env": r0.env}, time.monotonic() + 20)
        assert (r0.env, [m.data for m in r1.messages]) == (0, ["rfl : f = f"])
    finally:
        await repl.close()


async def test_the_jail_sees_no_server_secret_no_network_and_writes_only_its_tmp(
    monkeypatch: pytest.MonkeyPatch, listener: int, tmp_path: Path
) -> None:
    for k, v in SECRETS.items():
        monkeypatch.setenv(k, v)
    outside = tmp_path / "outside"
    outside.mkdir(mode=0o777)
    outside.chmod(0o777)
    writes = ":".join([str(TESTS), str(TRANSCRIPTS), str(outside), "/etc", "/usr", "/root", "/", os.getcwd()])
    repl = await spawn("PROBE=1", f"PROBE_PORT={listener}", f"PROBE_WRITE={writes}")
    try:
        probe = (await repl.send({"cmd": "#veriward_probe"}, time.monotonic() + 30)).raw["probe"]
        host_tmp = repl.jail.tmp_host
        seen_on_host = sorted(os.listdir(host_tmp))
    finally:
        await repl.close()
    env = probe["environ"]
    assert not set(SECRETS) & set(env) and not any(v in json.dumps(env) for v in SECRETS.values())
    assert set(env) <= {"PATH", "HOME", "TMPDIR", "LANG", "ELAN_HOME", "PWD"} | {
        k for k in env if k.startswith(("LEAN_", "ELAN_", "LAKE_"))
    }, env
    assert env["HOME"] == env["TMPDIR"] == INSIDE_TMP
    assert all("connected" not in n for n in probe["network"]), probe["network"]
    assert probe["writable"] == ["/tmp"], probe["writable"]
    assert not list(outside.iterdir())
    assert any(name.startswith("probe-") for name in seen_on_host)  # /tmp inside is veriward's host dir
    assert probe["uid"] == 1000


async def test_when_root_the_repl_runs_under_an_unprivileged_host_uid() -> None:
    if os.geteuid() != 0:
        pytest.skip("veriward is not running as root here: the jail keeps the caller's uid")
    repl = await spawn()
    try:
        await repl.send({"cmd": "def f := 37"}, time.monotonic() + 20)
        uids = set()
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    stat = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()
                    if int(stat[2]) == repl.pid:
                        uids.add(os.stat(f"/proc/{entry.name}").st_uid)
                except (OSError, IndexError, ValueError):
                    continue
    finally:
        await repl.close()
    assert uids and all(u >= 1_900_000 for u in uids), uids


async def test_a_timeout_kills_everything_in_the_jail(tmp_path: Path) -> None:
    repl = await spawn("HANG_ON=HANG")
    pid = repl.pid
    try:
        with pytest.raises(TimeoutError):
            await repl.send({"cmd": "HANG"}, time.monotonic() + 0.5)
        end = time.monotonic() + 5
        while time.monotonic() < end and any(_in_group(pid)):
            time.sleep(0.05)
        assert not any(_in_group(pid))
    finally:
        await repl.close()
    assert not os.path.exists(repl.jail.tmp_host)  # the private tmp is removed with the REPL


def _in_group(pgid: int) -> Iterator[int]:
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                fields = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                yield int(entry.name)


async def test_unconfined_mode_still_empties_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in SECRETS.items():
        monkeypatch.setenv(k, v)
    repl = await spawn("PROBE=1", jail=JailConfig(bwrap=None))
    try:
        probe = (await repl.send({"cmd": "#veriward_probe"}, time.monotonic() + 20)).raw["probe"]
    finally:
        await repl.close()
    assert not set(SECRETS) & set(probe["environ"])
    assert probe["environ"]["TMPDIR"] == repl.jail.tmp_host


def test_lean_variables_pass_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAN_PATH", "/opt/lean/lib")
    monkeypatch.setenv("VERIWARD_API_KEY", "secret")
    env = lean_env(JailConfig(), ["lake", "env", "repl"])
    assert env["LEAN_PATH"] == "/opt/lean/lib" and "VERIWARD_API_KEY" not in env
    assert set(env) <= {"PATH", "HOME", "TMPDIR", "LANG", "LEAN_PATH", "ELAN_HOME"}


async def test_the_replay_runs_in_its_own_jail_on_the_files_handed_in(tmp_path: Path) -> None:
    report = {"status": "load_failed", "error": "REF=@REF@ CHK=@CHK@"}
    (tmp_path / "report.json").write_text(json.dumps(report))
    ref, proof = tmp_path / "ref.olean", tmp_path / "proof.olean"
    ref.write_bytes(b"ref")
    proof.write_bytes(b"proof")
    cfg = ReplayConfig(
        (PY, "-I", str(TESTS / "lean_fake_replay.py"), f"REPORT={tmp_path / 'report.json'}"),
        None,
        JailConfig(bwrap="bwrap", ro_paths=(str(TESTS), str(tmp_path / "report.json"))),
    )
    run = await run_replay(cfg, str(ref), str(proof), "r", "c", "N0NCE", time.monotonic() + 30)
    assert (
        f"veriward-replay N0NCE {json.dumps({'status': 'load_failed', 'error': 'REF=r CHK=c'})}" in run.stdout
    )
    assert not ref.exists() and not proof.exists()  # moved into the jail, removed with it


async def test_the_replay_is_cut_off_at_its_deadline(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text("{}")
    for name in ("ref.olean", "proof.olean"):
        (tmp_path / name).write_bytes(b"x")
    cfg = ReplayConfig(
        (PY, "-I", str(TESTS / "lean_fake_replay.py"), f"REPORT={tmp_path / 'report.json'}", "SLEEP_S=30"),
        None,
        JailConfig(bwrap="bwrap", ro_paths=(str(TESTS), str(tmp_path / "report.json"))),
    )
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        await run_replay(
            cfg, str(tmp_path / "ref.olean"), str(tmp_path / "proof.olean"), "r", "c", "n", t0 + 1
        )
    assert time.monotonic() - t0 < 8


def test_jails_clean_up_their_tmp() -> None:
    with open_jail(JAIL, [PY], None) as jail:
        tmp = jail.tmp_host
        assert os.path.isdir(tmp) and oct(os.stat(tmp).st_mode)[-3:] == "700"
    assert not os.path.exists(tmp)

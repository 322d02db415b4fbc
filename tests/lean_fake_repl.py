"""A child process that speaks the Lean REPL protocol by replaying recorded transcripts.

TEST DOUBLE: no Lean toolchain can be installed on the machines these tests run on, so the pool, timeout,
recycle and queue tests drive this real process instead. It answers each command with the answer the real
REPL recorded for the same command in /work/shared/lean/repl-transcripts/ (environment ids renumbered per
process, as a long-lived REPL does), and says so when it has no recording. It never judges a proof.

Usage: python lean_fake_repl.py TRANSCRIPT_DIR [KNOB=VALUE ...]
Test knobs (arguments, because veriward starts Lean processes with an empty environment):
HANG_ON=text (never answer a command containing it), GROW_MB=n (hold n more MiB for each command),
CHILD_PIDFILE=path (start a grandchild, like `lake env` starting the REPL, and write its pid there),
DELAY_S=s (sleep before answering), LOG=path (append each command and what $TMPDIR holds),
PROBE=1 (answer `{"cmd": "#veriward_probe"}` with what the process can see and do: its environment, uid,
network, which of PROBE_WRITE's `:`-separated directories it can write).
A `pickleTo` command writes a small file at its path (as the real REPL writes the environment there) and is
looked up by the file's name only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def _chunks(text: str) -> list[str]:
    out, cur = [], []
    for line in text.splitlines():
        if line.strip():
            cur.append(line)
        elif cur:
            out.append("\n".join(cur))
            cur = []
    if cur:
        out.append("\n".join(cur))
    return out


def _key(cmd: dict[str, Any]) -> str:
    # Environment ids differ between processes; whether a command continues one does not.
    rest = {k: v for k, v in cmd.items() if k != "env"}
    if isinstance(rest.get("pickleTo"), str):
        rest["pickleTo"] = os.path.basename(rest["pickleTo"])
    return json.dumps([rest, "env" in cmd], sort_keys=True, ensure_ascii=False)


def load(directory: Path) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for inp in sorted(directory.glob("*.in")):
        out = inp.with_name(inp.name[: -len(".in")] + ".expected.out")
        if not out.exists():
            continue
        for cmd, ans in zip(_chunks(inp.read_text()), _chunks(out.read_text()), strict=False):
            table.setdefault(_key(json.loads(cmd)), json.loads(ans))
    return table


def probe(knobs: dict[str, str]) -> dict[str, Any]:
    """What this process can see and do (for the sandbox tests)."""
    import socket

    net: list[str] = []
    for host, port in (("127.0.0.1", int(knobs.get("PROBE_PORT", "9"))), ("1.1.1.1", 53)):
        try:
            socket.create_connection((host, port), timeout=2).close()
            net.append(f"{host}:{port} connected")
        except OSError as exc:
            net.append(f"{host}:{port} {type(exc).__name__}")
    writable = []
    for d in ["/tmp", *filter(None, knobs.get("PROBE_WRITE", "").split(":"))]:
        try:
            Path(d, f"probe-{os.getpid()}").write_text("x")
            writable.append(d)
        except OSError:
            pass
    return {"environ": dict(os.environ), "uid": os.getuid(), "network": net, "writable": writable}


def main() -> None:
    table = load(Path(sys.argv[1]))
    knobs = dict(a.split("=", 1) for a in sys.argv[2:] if "=" in a)
    hang_on = knobs.get("HANG_ON")
    grow_mb = int(knobs.get("GROW_MB", "0"))
    delay_s = float(knobs.get("DELAY_S", "0"))
    pidfile = knobs.get("CHILD_PIDFILE")
    if pidfile:
        child = subprocess.Popen(["sleep", "600"])
        Path(pidfile).write_text(str(child.pid))
    held: list[bytearray] = []
    next_env = 0
    buf: list[str] = []
    for line in sys.stdin:
        if line.strip():
            buf.append(line)
            continue
        if not buf:
            continue
        cmd = json.loads("".join(buf))
        buf = []
        if hang_on and hang_on in json.dumps(cmd, ensure_ascii=False):
            time.sleep(3600)
        if grow_mb:
            held.append(bytearray(os.urandom(1024)) * (grow_mb * 1024))
        time.sleep(delay_s)
        if knobs.get("LOG"):
            tmp = os.environ.get("TMPDIR", "/tmp")
            with open(knobs["LOG"], "a") as log:
                log.write(json.dumps({"cmd": cmd, "tmp": sorted(os.listdir(tmp))}) + "\n")
        if isinstance(cmd.get("pickleTo"), str):
            Path(cmd["pickleTo"]).write_bytes(b"fake pickle of env " + str(cmd.get("env")).encode())
        if knobs.get("PROBE") and cmd.get("cmd") == "#veriward_probe":
            sys.stdout.write(json.dumps({"env": next_env, "probe": probe(knobs)}) + "\n\n")
            sys.stdout.flush()
            continue
        answer = table.get(_key(cmd))
        if answer is None:
            answer = {"message": "fake REPL: no recorded answer for this command"}
        elif "pickleTo" in cmd and "env" in answer:
            answer = {**answer, "env": cmd.get("env")}  # the real REPL answers with the pickled env's id
        elif "env" in answer:
            answer = {**answer, "env": next_env}
            next_env += 1
        sys.stdout.write(json.dumps(answer, ensure_ascii=False, indent=1) + "\n\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()

"""What every sandbox container is made of: its boot program, host config, labels and stream framing."""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import time
from collections.abc import Callable
from typing import Any

from veriward.sandbox._base import BOX_DIR, TMP_DIR, Limits
from veriward.sandbox._pipes import BoundedBuffer

DEFAULT_IMAGE = "veriward-sandbox-python:latest"
LABEL = "veriward.sandbox"
UID = 65534
USER = f"{UID}:{UID}"
# A warm container waits at most this long for its job, then its pid 1 exits (SIGALRM), so a container
# whose owner died never waits forever; jobs are recycled well before it.
IDLE_EXIT_S = 600
# No owner uses a container after this long (its wait, plus any job's wall budget, plus slack): any
# veriward may remove it then. Owners are never guessed from host names or pids, which can collide.
LIFETIME_S = IDLE_EXIT_S + 3600

# pid 1 of a fresh container: read "<n>\n" then n bytes of JSON {argv, files}, write the files, exec argv.
# Whatever follows on stdin is the job's own stdin.
BOOT = r"""
import base64, json, os, signal, sys
signal.alarm(600)
n = b""
while not n.endswith(b"\n"):
    b = os.read(0, 1)
    if not b:
        os._exit(125)
    n += b
n = int(n)
buf = bytearray()
while len(buf) < n:
    b = os.read(0, n - len(buf))
    if not b:
        os._exit(125)
    buf += b
signal.alarm(0)
job = json.loads(buf)
for name, data in job["files"].items():
    with open(os.path.join("/box", name), "wb") as f:
        f.write(base64.b64decode(data))
    os.chmod(os.path.join("/box", name), 0o444)
os.chdir("/box")
os.execvp(job["argv"][0], job["argv"])
"""


class EngineClient:
    """The Docker SDK's low-level API, made on first use (the SDK is imported only when a backend runs)."""

    def __init__(self) -> None:
        self._client: Any = None

    def __call__(self) -> Any:
        if self._client is None:
            import docker

            self._client = docker.from_env(timeout=60)
        return self._client.api

    def reason(self, image: str) -> str | None:
        """`engine_reason` for this client; after a failure the next call makes a fresh client."""
        reason = engine_reason(self, image)
        if reason is not None:
            self._client = None
        return reason


def engine_reason(api: Callable[[], Any], image: str) -> str | None:
    """None when the Docker SDK is installed, an engine answers and `image` exists; else why not."""
    try:
        import docker

        docker.from_env  # noqa: B018 - a namespace package of that name would lack it
    except (ImportError, AttributeError):
        return "the Docker SDK for Python is not installed: pip install 'veriward[code]'"
    try:
        client = api()
        client.ping()
    except Exception as exc:
        return f"no Docker engine answers: {type(exc).__name__}: {str(exc)[:160]}"
    try:
        client.inspect_image(image)
    except Exception:
        return f"image {image} not found; build it with `veriward sandbox build-image`"
    return None


def host_config(api: Any, limits: Limits) -> Any:
    from docker.types import Ulimit

    mb = 1024 * 1024
    return api.create_host_config(
        network_mode="none",
        read_only=True,
        tmpfs={
            # Owned by the job's user: Docker gives a tmpfs the mode and owner of the image's directory
            # there, if it has one (and would create /box as root for a working_dir).
            BOX_DIR: f"rw,nosuid,nodev,size=16m,mode=1777,uid={UID},gid={UID}",
            # exec: compiled submissions run their binary from /tmp (Docker's tmpfs default is noexec)
            TMP_DIR: f"rw,exec,nosuid,nodev,size={limits.tmp_mb}m,mode=1777,uid={UID},gid={UID}",
        },
        mem_limit=limits.memory_mb * mb,
        memswap_limit=limits.memory_mb * mb,
        pids_limit=limits.pids,
        nano_cpus=int(limits.cpus * 1e9),
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        ulimits=[
            Ulimit(name="nofile", soft=limits.nofile, hard=limits.nofile),
            Ulimit(name="fsize", soft=limits.fsize_mb * mb, hard=limits.fsize_mb * mb),
            Ulimit(name="core", soft=0, hard=0),
        ],
        shm_size=limits.shm_mb * mb,
        ipc_mode="private",
    )


def owner_labels(owner: str, lifetime_s: float = LIFETIME_S) -> dict[str, str]:
    """Labels of a new container: its owner (a random id per sandbox object) and when anyone may reap it."""
    return {
        LABEL: "1",
        f"{LABEL}.owner": owner,
        f"{LABEL}.expires": str(int(time.time() + lifetime_s)),
        # For people reading `docker ps`; never used to decide (both collide across pid namespaces).
        f"{LABEL}.host": socket.gethostname(),
        f"{LABEL}.pid": str(os.getpid()),
    }


def expired(container: dict[str, Any], now: float) -> bool:
    """Whether no owner can still be using this container (from `docker ps`'s JSON)."""
    labels = container.get("Labels") or {}
    try:
        expires = float(labels[f"{LABEL}.expires"])
    except (KeyError, ValueError):
        expires = float(container.get("Created", now)) + LIFETIME_S  # made by an older veriward
    return now > expires


def reap(api: Any, owner: str, own: bool) -> int:
    """Remove `owner`'s containers (`own`), or those no veriward can still be using (expired)."""
    now = time.time()
    removed = 0
    for c in api.containers(all=True, filters={"label": LABEL}):
        mine = (c.get("Labels") or {}).get(f"{LABEL}.owner") == owner
        if (own and mine) or (not own and expired(c, now)):
            with contextlib.suppress(Exception):
                api.remove_container(c["Id"], force=True)
                removed += 1
    return removed


def demux(raw: socket.socket, out: BoundedBuffer, err: BoundedBuffer, deadline: float) -> bool:
    """Read Docker's multiplexed attach stream until EOF (True) or the deadline (False)."""
    buf = bytearray()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        raw.settimeout(left)
        try:
            chunk = raw.recv(65536)
        except TimeoutError:
            return False
        if not chunk:
            return True
        buf += chunk
        while len(buf) >= 8:
            kind, size = buf[0], struct.unpack(">I", buf[4:8])[0]
            if len(buf) < 8 + size:
                break
            (err if kind == 2 else out).write(bytes(buf[8 : 8 + size]))
            del buf[: 8 + size]

"""The host side of the zygote (`veriward._zygote`): start it, ask it for workers, restart it if it died."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import struct
import subprocess
import sys
import threading
from multiprocessing.connection import Connection

from veriward import verifiers

# The zygote imports every scorer before it answers its first request.
_FIRST_SPAWN_TIMEOUT_S = 120.0
_SPAWN_TIMEOUT_S = 10.0


class Spawner:
    """Forks warm workers through a zygote process; thread-safe and blocking (call it off the event loop)."""

    def __init__(self, memory_mb: int) -> None:
        self.memory_mb = memory_mb
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._ctrl: socket.socket | None = None
        self._answered = False

    def start(self) -> None:
        with self._lock:
            self._start()

    def _start(self) -> None:
        self._stop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "veriward._zygote", str(theirs.fileno()), str(self.memory_mb)],
                # Workers import what the caller can, as multiprocessing's children do (its sys.path),
                # and run the scorers it registered by module path.
                env={
                    **os.environ,
                    "VERIWARD_ZYGOTE_SYS_PATH": json.dumps(sys.path),
                    "VERIWARD_ZYGOTE_SCORERS": json.dumps(verifiers.importable()),
                },
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                close_fds=True,
            )
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()
        self._ctrl = ours
        self._answered = False

    def spawn(self) -> tuple[int, Connection]:
        """A new worker: its pid and the pool's end of its socket. Restarts a dead zygote once."""
        with self._lock:
            try:
                out = self._spawn()
            except OSError as first:
                try:
                    self._start()
                    out = self._spawn()
                except OSError as exc:
                    raise OSError(f"{exc} (before the zygote was restarted: {first})") from exc
            return out

    def _spawn(self) -> tuple[int, Connection]:
        if self._ctrl is None or self._proc is None or self._proc.poll() is not None:
            raise ConnectionError("the zygote is not running")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._ctrl.settimeout(_SPAWN_TIMEOUT_S if self._answered else _FIRST_SPAWN_TIMEOUT_S)
            socket.send_fds(self._ctrl, [b"w"], [theirs.fileno()])
            raw = b""
            while len(raw) < 8:
                chunk = self._ctrl.recv(8 - len(raw))
                if not chunk:
                    raise ConnectionError("the zygote closed its socket")
                raw += chunk
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self._answered = True
        (pid,) = struct.unpack("!q", raw)
        return pid, Connection(ours.detach())

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        if self._ctrl is not None:
            self._ctrl.close()  # the zygote reads EOF and exits
            self._ctrl = None
        if self._proc is not None:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._proc.wait(timeout=5)
            self._proc = None

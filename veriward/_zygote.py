"""The pool's fork server: a process that has imported the scorers and forks warm workers on request.

Run as `python -m veriward._zygote FD MEMORY_MB`, where FD is one end of a Unix socket pair. For each
request the pool sends one socket (SCM_RIGHTS); the zygote forks a worker that serves tasks on it and
answers with the worker's pid. Unlike `multiprocessing`, nothing here imports the caller's `__main__`, and
every worker has its own socket, so a worker killed at any moment (even mid-message) harms only its task.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import sys

from veriward import _worker


def _serve_forever(ctrl: socket.socket, memory_mb: int) -> None:
    # Forked children are reaped by the kernel: the pool watches them through their sockets.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(ctrl, 16, 1)
        except (ConnectionError, OSError):
            return
        if not msg:  # the pool closed its end: the server is gone
            return
        if not fds:
            continue
        pid = os.fork()
        if pid == 0:  # the worker
            try:
                ctrl.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _worker.serve(fds[0], memory_mb)
            finally:
                os._exit(0)
        os.close(fds[0])
        try:
            ctrl.sendall(struct.pack("!q", pid))
        except OSError:
            return


def main() -> None:
    fd, memory_mb = int(sys.argv[1]), int(sys.argv[2])
    inherited = os.environ.pop("VERIWARD_ZYGOTE_SYS_PATH", None)
    if inherited:
        sys.path[:] = [p for p in json.loads(inherited) if isinstance(p, str)]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # ^C is the server's to handle; it then closes our socket
    ctrl = socket.socket(fileno=fd)
    _worker.die_with_parent()  # the server's death ends us, and ours ends the workers
    _worker.preload(json.loads(os.environ.pop("VERIWARD_ZYGOTE_SCORERS", "{}")))
    _serve_forever(ctrl, memory_mb)


if __name__ == "__main__":
    main()

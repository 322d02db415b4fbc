"""Host uids for sandboxes: far above any real account, each held by one job or container at a time.

A uid is held with an flock on a file per uid for as long as its job (process backend) or container
(layered backend) lives, so no two of them on this host, in any veriward process, share one, and
per-uid limits (RLIMIT_NPROC, pipe buffers) count one job alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from veriward.sandbox._base import SandboxUnavailable

UID_BASE = 1_900_000
UID_COUNT = 4096
_UID_LOCKS = "/run/veriward-sandbox-uids"
# Without root there is no lock directory: uids are then only unique within this process.
_unlocked: set[int] = set()
_unlocked_guard = threading.Lock()


@dataclass
class UidLease:
    """One held uid; `release()` once whatever ran as it is gone."""

    uid: int
    fd: int | None

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # releases the flock
            self.fd = None
        else:
            with _unlocked_guard:
                _unlocked.discard(self.uid)


def _locked() -> UidLease:
    os.makedirs(_UID_LOCKS, mode=0o700, exist_ok=True)
    first = random.randrange(UID_COUNT)
    for k in range(UID_COUNT):
        uid = UID_BASE + (first + k) % UID_COUNT
        fd = os.open(os.path.join(_UID_LOCKS, str(uid)), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return UidLease(uid, fd)
    raise SandboxUnavailable("no free sandbox uid on this host")


def lease_uid() -> UidLease:
    """A uid no other job or container on this host holds (when root; else none other of this process)."""
    if os.geteuid() == 0:
        return _locked()
    with _unlocked_guard:
        free = [UID_BASE + k for k in range(UID_COUNT) if UID_BASE + k not in _unlocked]
        if not free:
            raise SandboxUnavailable("no free sandbox uid in this process")
        uid = random.choice(free)
        _unlocked.add(uid)
    return UidLease(uid, None)


@contextlib.contextmanager
def host_uid() -> Iterator[int | None]:
    """A held host uid for the duration of the block, to run a job as; None when not root (no setuid)."""
    if os.geteuid() != 0:
        yield None
        return
    lease = _locked()
    try:
        yield lease.uid
    finally:
        lease.release()  # every process of the job is gone by now

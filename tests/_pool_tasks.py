"""Tasks for the pool's fault-injection tests; importable by worker processes (they unpickle by name)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from veriward.verifiers import Outcome, PooledVerifier


def die_once(marker: str, value: int) -> int:
    """SIGKILL our own worker the first time (as the OOM killer would), answer `value` after that."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died")
        os.kill(os.getpid(), signal.SIGKILL)
    return value


def sleep_then(seconds: float, value: int) -> int:
    time.sleep(seconds)
    return value


class WorkerPid(PooledVerifier):
    """A pooled test scorer registered by module path: says which process scored (a pool worker's)."""

    name = "worker_pid"
    description = "test only: the pid of the process that scored"
    reference_help = "anything"

    def check(self, response: str, reference: Any, options: Any) -> Outcome:
        return Outcome.correct(pid=os.getpid(), instance=id(self))

"""Tasks for the pool's fault-injection tests; importable by worker processes (they unpickle by name)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


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

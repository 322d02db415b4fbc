"""Code that runs inside a pool worker process."""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import sys
from multiprocessing.connection import Connection
from typing import Any

from veriward import verifiers
from veriward.verifiers.base import BaseVerifier, Outcome, PooledVerifier

# This process's own scorer instances (a worker serves one engine's pool; made in the zygote, so forked
# workers start warm).
_SCORERS: dict[str, BaseVerifier] = {}


def init_worker(memory_mb: int) -> None:
    """Cap the worker's address space so a runaway computation dies with MemoryError, not the host."""
    limit = memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):  # a platform without RLIMIT_AS
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sys.set_int_max_str_digits(4300)  # the 3.11 default, stated: str(10**10**6) must fail fast


def scorer(name: str) -> BaseVerifier:
    """This process's instance of the scorer called `name` (made on first use)."""
    found = _SCORERS.get(name)
    if found is None:
        found = _SCORERS[name] = verifiers.create(name)
    return found


def run_check(name: str, response: str, reference: Any, options: Any) -> Outcome:
    """Score one request; never lets an exception escape as anything but a verdict."""
    try:
        v = scorer(name)
        if not isinstance(v, PooledVerifier):
            return Outcome.error(f"scorer {name!r} does not run in the pool")
        return v.check(response, reference, options)
    except MemoryError:
        return Outcome.timeout("memory budget exhausted while scoring")
    except RecursionError:
        return Outcome.invalid("input nested too deeply to score")
    except Exception as exc:  # a scorer bug must still yield a verdict the trainer can drop
        return Outcome.error(f"scorer failed: {type(exc).__name__}: {str(exc)[:200]}")


def ping() -> int:
    return 0


def preload(entries: dict[str, str] | None = None) -> None:
    """Register the caller's importable scorers (`entries`) and make an instance of every scorer."""
    own = verifiers.importable()
    added = {name: t for name, t in (entries or {}).items() if own.get(name) != t}
    for name, target in added.items():
        verifiers.register(name, target)
    for name in verifiers.names():
        try:
            scorer(name)
        except Exception:
            if name not in added:
                raise
            # Not importable in the workers: each of its tasks is an `error` naming why (`run_check`).


def die_with_parent() -> None:
    """Have the kernel kill this process when its parent exits (Linux; elsewhere a no-op)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def serve(fd: int, memory_mb: int) -> None:
    """A worker's life: run `(fn, args)` tasks from the socket `fd` until the pool closes it."""
    die_with_parent()
    init_worker(memory_mb)
    conn = Connection(fd)
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", fn(*args))
        except BaseException as exc:  # the caller re-raises it; the worker lives on
            reply = ("raise", exc)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        except Exception as exc:  # an unpicklable result or exception
            conn.send(("raise", RuntimeError(f"task result could not be sent: {type(exc).__name__}: {exc}")))
        del reply
        if os.getppid() == 1:  # orphaned: nobody will ever read our answers
            return

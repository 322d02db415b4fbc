"""A blocking front for the async engine, for scripts and notebooks."""

from __future__ import annotations

import asyncio
import atexit
import threading
from typing import Any

from veriward.engine import Engine
from veriward.models import GroupResult, ScoreRequest, ScoreResult
from veriward.settings import Settings


class SyncEngine:
    """An `Engine` running on its own event-loop thread; its methods block until the verdict is back."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="veriward-engine", daemon=True)
        self._thread.start()
        self.engine = Engine(settings)
        self._call(self.engine.start())

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def score(self, request: ScoreRequest | dict[str, Any]) -> ScoreResult:
        result: ScoreResult = self._call(self.engine.score(request))
        return result

    def score_batch(self, requests: list[Any]) -> list[ScoreResult]:
        results: list[ScoreResult] = self._call(self.engine.score_batch(requests))
        return results

    def score_groups(self, groups: list[Any]) -> list[GroupResult]:
        found: list[GroupResult] = self._call(self.engine.score_groups(groups))
        return found

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._call(self.engine.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> SyncEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _at_exit(close: Any) -> None:
    """Close before the interpreter stops its worker threads: a plain `atexit` hook runs after that, when
    the engine can no longer hand blocking work (removing containers) to a thread."""
    register = getattr(threading, "_register_atexit", None)
    if register is None:  # not CPython 3.9+: the best a public hook can do
        atexit.register(close)
        return
    register(close)


_default: SyncEngine | None = None
_lock = threading.Lock()


def default_engine() -> SyncEngine:
    """The process-wide engine behind `veriward.score`, started on first use."""
    global _default
    with _lock:
        if _default is None:
            _default = SyncEngine()
            _at_exit(_default.close)
        return _default


def score(
    verifier: str,
    response: str,
    reference: Any = None,
    options: dict[str, Any] | None = None,
    timeout_s: float | None = None,
    **fields: Any,
) -> ScoreResult:
    """Score one response with the named scorer; raises `RequestError` on a malformed request."""
    req = {"verifier": verifier, "response": response, "reference": reference, "options": options or {}}
    if timeout_s is not None:
        req["timeout_s"] = timeout_s
    req.update(fields)
    return default_engine().score(req)

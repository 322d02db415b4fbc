"""Score each distinct decision once: identical jobs in flight share one run, finished ones the cache."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from veriward import metrics
from veriward._cache import ResultCache
from veriward.models import ScoreResult, Verdict

__all__ = ["Decision", "Deduper"]

log = logging.getLogger("veriward.cache")
Decision = dict[str, Any]  # verdict, score, reason, details, scorer: what a result says about its response
Source = Literal["hit", "dedup"]
_UNCACHED = (Verdict.TIMEOUT, Verdict.ERROR)  # they say nothing about the response


def decision_of(result: ScoreResult) -> Decision:
    return {
        "verdict": result.verdict.value,
        "score": result.score,
        "reason": result.reason,
        "details": result.details,
        "scorer": result.scorer,
    }


class Deduper:
    """Runs a job unless an identical one is running (then shares its decision) or is cached."""

    def __init__(self, cache: ResultCache | None) -> None:
        self.cache = cache
        self._inflight: dict[str, asyncio.Future[Decision | None]] = {}

    async def decide(
        self,
        key: str,
        run: Callable[[], Awaitable[ScoreResult]],
        replay: Callable[[Decision, Source], ScoreResult],
    ) -> ScoreResult:
        shared = self._inflight.get(key)
        if shared is not None:
            decision = await asyncio.shield(shared)
            if decision is not None:
                metrics.cache_event("dedup")
                return replay(decision, "dedup")
            return await self.decide(key, run, replay)  # the first one was cut off: try ourselves
        fut: asyncio.Future[Decision | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        try:
            cached = await self._get(key)
            if cached is not None:
                fut.set_result(cached)
                return replay(cached, "hit")
            result = await run()
            decision = decision_of(result)
            fut.set_result(decision)
            if result.verdict not in _UNCACHED:
                await self._put(key, decision)
            return result
        finally:
            if not fut.done():
                fut.set_result(None)
            del self._inflight[key]

    async def _get(self, key: str) -> Decision | None:
        if self.cache is None:
            return None
        try:
            found = await self.cache.get(key)
        except Exception as exc:  # a cache that fails is skipped, never the reason a job fails
            metrics.cache_event("error")
            log.warning("result cache (%s) failed on read: %s: %s", self.cache.name, type(exc).__name__, exc)
            return None
        metrics.cache_event("hit" if found is not None else "miss")
        return found

    async def _put(self, key: str, decision: Decision) -> None:
        if self.cache is None:
            return
        try:
            await self.cache.put(key, decision)
        except Exception as exc:
            metrics.cache_event("error")
            log.warning("result cache (%s) failed on write: %s: %s", self.cache.name, type(exc).__name__, exc)

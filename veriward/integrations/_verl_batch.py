"""Coalesces concurrent per-rollout calls (verl's reward loop) into grouped `/v1/score/batch` requests."""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass
from typing import Any

from veriward.client import AsyncClient, default_async_client
from veriward.integrations._common import as_groups, ungroup
from veriward.models import GroupResult, ScoreResult

Answer = tuple[ScoreResult, GroupResult, int]  # the result, its group, its position in the group


@dataclass
class _Call:
    request: dict[str, Any]
    key: str
    future: asyncio.Future[Answer]


class Batcher:
    """Calls that arrive within `window_s` of the first pending one go out together, grouped by key."""

    def __init__(self, url: str | None, window_s: float) -> None:
        self.window_s = max(0.0, window_s)
        self._client = AsyncClient(url) if url else None
        self._pending: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list[_Call]] = (
            weakref.WeakKeyDictionary()
        )

    async def submit(self, request: dict[str, Any], key: str) -> Answer:
        loop = asyncio.get_running_loop()
        pending = self._pending.setdefault(loop, [])
        call = _Call(request, key, loop.create_future())
        pending.append(call)
        if len(pending) == 1:
            loop.call_later(self.window_s, lambda: loop.create_task(self._flush(loop)))
        return await call.future

    async def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        calls = self._pending.pop(loop, [])
        if not calls:
            return
        # A stable sort by key puts each prompt's rollouts next to each other: one group per run.
        calls.sort(key=lambda c: c.key)
        try:
            spans = as_groups([c.request for c in calls], [c.key for c in calls])
            groups = await (self._client or default_async_client()).score_groups([b for _, b in spans])
            results = ungroup(len(calls), spans, groups)
        except Exception as exc:  # a refused request (4xx) or a bug: every caller sees it
            for c in calls:
                if not c.future.done():
                    c.future.set_exception(exc)
            return
        for (span, _), group in zip(spans, groups, strict=True):
            for position, i in enumerate(span):
                if not calls[i].future.done():
                    calls[i].future.set_result((results[i], group, position))

"""The result cache: identical requests are scored once, within a batch and across requests.

A key names everything that decides a verdict: the scorer, its version and policy hash, the reference,
the effective options and the response after the scorer's own normalisation (end-of-turn markers,
surrounding whitespace). What is stored is the decision (verdict, score, reason, details, scorer), never
a request's id, metadata or timing. `timeout` and `error` are never stored: they say nothing about the
response. A cache that fails is skipped (scoring goes on) and counted.

Backends: a bounded in-process LRU (the default), or Redis (`VERIWARD_CACHE_URL=redis://...`) so that
the replicas of a deployment share hits.
"""

from __future__ import annotations

import abc
import asyncio
import hashlib
import json
import logging
from collections import OrderedDict
from typing import Any

from veriward._identity import canonical_json

__all__ = ["MemoryCache", "RedisCache", "ResultCache", "cache_key", "make_cache"]

log = logging.getLogger("veriward.cache")
_PREFIX = "veriward:result:"


def cache_key(scorer: dict[str, str], reference: Any, options: dict[str, Any], response: str) -> str:
    """sha256 of everything that decides the verdict (the scorer id carries version and policy)."""
    h = hashlib.sha256()
    for part in (canonical_json(scorer), canonical_json(reference), canonical_json(options), response):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()


class ResultCache(abc.ABC):
    """A store of decisions by key. Backends raise on failure; the engine counts and skips them."""

    name: str = ""

    @abc.abstractmethod
    async def get(self, key: str) -> dict[str, Any] | None: ...

    @abc.abstractmethod
    async def put(self, key: str, decision: dict[str, Any]) -> None: ...

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


class MemoryCache(ResultCache):
    """A bounded least-recently-used map in this process."""

    name = "memory"

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[str, str] = OrderedDict()

    async def get(self, key: str) -> dict[str, Any] | None:
        raw = self._data.get(key)
        if raw is None:
            return None
        self._data.move_to_end(key)
        value: dict[str, Any] = json.loads(raw)  # stored as text: a caller cannot mutate the entry
        return value

    async def put(self, key: str, decision: dict[str, Any]) -> None:
        self._data[key] = json.dumps(decision)
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)


class RedisCache(ResultCache):
    """Decisions in Redis under `veriward:result:<key>`, each expiring after `ttl_s`."""

    name = "redis"

    def __init__(self, url: str, ttl_s: int, timeout_s: float = 0.5) -> None:
        import redis.asyncio as redis

        self._client = redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        self.ttl_s = ttl_s
        self.timeout_s = timeout_s

    async def get(self, key: str) -> dict[str, Any] | None:
        raw = await asyncio.wait_for(self._client.get(_PREFIX + key), self.timeout_s)
        if raw is None:
            return None
        value: dict[str, Any] = json.loads(raw)
        return value

    async def put(self, key: str, decision: dict[str, Any]) -> None:
        await asyncio.wait_for(
            self._client.set(_PREFIX + key, json.dumps(decision), ex=self.ttl_s), self.timeout_s
        )

    async def close(self) -> None:
        await self._client.aclose()


def make_cache(url: str | None, max_entries: int, ttl_s: int) -> ResultCache | None:
    """The configured cache: Redis for a `redis://` URL, else an in-process LRU; None when disabled."""
    if url:
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"VERIWARD_CACHE_URL must be a redis:// URL, got {url!r}")
        return RedisCache(url, ttl_s)
    return MemoryCache(max_entries) if max_entries > 0 else None

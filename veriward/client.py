"""HTTP client for a veriward server: pooled, bounded, retrying, and honest about failure.

`AsyncClient` does the work; `Client` is its blocking front on a private event-loop thread. Both read
`VERIWARD_URL` and `VERIWARD_API_KEY` when not given a URL or key. Retries happen only on 429, 5xx and
connection-level errors, with exponential backoff (or the server's `Retry-After`), all inside one total
deadline. When the server cannot be reached in time the result is a `ScoreResult` with verdict `error`
and `details["infrastructure"] = True`: never a 0 that looks like a wrong answer. A request the server
refuses (4xx other than 429, e.g. 422 or 401) raises `ClientError` at once and is never retried.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import random
import threading
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from veriward._client_results import DROP_VERDICTS, RequestLike, as_dict, failed_group, failed_result, reward
from veriward.errors import VeriwardError
from veriward.models import GroupResult, ScoreResult, Verdict

__all__ = ["DROP_VERDICTS", "AsyncClient", "Client", "ClientError", "failed_result", "reward"]

DEFAULT_URL = "http://127.0.0.1:8000"

_log = logging.getLogger("veriward.client")


class ClientError(VeriwardError):
    """The server refused the request itself (a 4xx other than 429); retrying would not help."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(f"HTTP {status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail


class _Unavailable(Exception):
    """Every attempt failed or the deadline ran out; carries what the caller needs to report it."""

    def __init__(self, message: str, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


@dataclass
class _LoopState:
    http: httpx.AsyncClient
    slots: asyncio.Semaphore


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or an HTTP date); None when absent or bad."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class AsyncClient:
    """Scores rollouts on a veriward server.

    One connection pool and one concurrency bound per event loop: `max_concurrency` caps the HTTP
    requests in flight, `batch_size` the rollouts per `/v1/score/batch` request. Their product (256 by
    default) is the most rollouts this client has queued at the server; keep it under the server's
    `VERIWARD_MAX_QUEUE_PER_SCORER` (512) or the server answers 429 and the client waits `Retry-After`.
    `deadline_s` bounds each call as a whole, retries and backoff included; `timeout_s` bounds one attempt.
    """

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        max_concurrency: int = 8,
        batch_size: int = 32,
        timeout_s: float = 120.0,
        deadline_s: float = 300.0,
        max_attempts: int = 6,
        backoff_s: float = 0.25,
        max_backoff_s: float = 10.0,
    ) -> None:
        if max_concurrency < 1 or batch_size < 1 or max_attempts < 1:
            raise ValueError("max_concurrency, batch_size and max_attempts must be at least 1")
        self.url = (url or os.environ.get("VERIWARD_URL") or DEFAULT_URL).rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get("VERIWARD_API_KEY")
        self.max_concurrency = max_concurrency
        self.batch_size = batch_size
        self.timeout_s = timeout_s
        self.deadline_s = deadline_s
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def _state(self) -> _LoopState:
        # httpx pools and asyncio semaphores belong to one event loop, so each loop gets its own.
        loop = asyncio.get_running_loop()
        with self._lock:
            state = self._states.get(loop)
            if state is None:
                headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
                limits = httpx.Limits(
                    max_connections=self.max_concurrency, max_keepalive_connections=self.max_concurrency
                )
                http = httpx.AsyncClient(base_url=self.url, headers=headers, limits=limits)
                state = _LoopState(http, asyncio.Semaphore(self.max_concurrency))
                self._states[loop] = state
            return state

    async def aclose(self) -> None:
        """Close this event loop's connection pool."""
        with self._lock:
            state = self._states.pop(asyncio.get_running_loop(), None)
        if state is not None:
            await state.http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- public calls -----------------------------------------------------------------------------

    async def score(
        self,
        verifier: str,
        response: str,
        reference: Any = None,
        options: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> ScoreResult:
        """Score one rollout; an unreachable server gives an `error` result, a refused request raises."""
        request = {"verifier": verifier, "response": response, "reference": reference, **fields}
        if options:
            request["options"] = dict(options)
        started = time.monotonic()
        try:
            answer = await self._send("POST", "/v1/score", request, started + self.deadline_s)
            return ScoreResult.model_validate(answer.json())
        except _Unavailable as exc:
            return failed_result(request, str(exc), exc.attempts, time.monotonic() - started)
        except ValueError as exc:
            # A 2xx we cannot read (a proxy page, a truncated body) is still an infrastructure failure.
            return failed_result(request, f"unreadable response: {exc}"[:300], 1, time.monotonic() - started)

    async def score_many(self, requests: Sequence[RequestLike]) -> list[ScoreResult]:
        """Score many rollouts in `batch_size` batches sent concurrently; results in request order.

        A malformed item gets its own `error` result (reason `bad request: ...`), logged as a warning.
        """
        items = [as_dict(r) for r in requests]
        chunks = [items[i : i + self.batch_size] for i in range(0, len(items), self.batch_size)]
        deadline = time.monotonic() + self.deadline_s
        outcomes = await asyncio.gather(*(self._batch(c, deadline) for c in chunks), return_exceptions=True)
        results: list[ScoreResult] = []
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
            results.extend(outcome)
        bad = [r.reason for r in results if r.verdict == Verdict.ERROR and r.reason.startswith("bad request")]
        if bad:
            _log.warning(
                "veriward: %d of %d requests were malformed, e.g. %s", len(bad), len(results), bad[0]
            )
        return results

    async def score_groups(self, groups: Sequence[Mapping[str, Any]]) -> list[GroupResult]:
        """Score groups (one `reference`, N `responses` each; see GroupRequest), in order, each with its
        results and stats. Groups are sent `batch_size` rollouts a call; a call that fails gives its groups
        `error` results (and stats over those), as `score_many` does."""
        chunks: list[list[dict[str, Any]]] = [[]]
        size = 0
        for g in groups:
            n = len(g.get("responses") or [])
            if chunks[-1] and size + n > self.batch_size:
                chunks.append([])
                size = 0
            chunks[-1].append(dict(g))
            size += n
        deadline = time.monotonic() + self.deadline_s
        done = await asyncio.gather(*(self._groups(c, deadline) for c in chunks if c))
        return [g for chunk in done for g in chunk]

    async def _groups(self, chunk: list[dict[str, Any]], deadline: float) -> list[GroupResult]:
        started = time.monotonic()
        try:
            response = await self._send("POST", "/v1/score/batch", {"groups": chunk}, deadline)
            found = [GroupResult.model_validate(g) for g in response.json()["groups"]]
            if len(found) == len(chunk):
                return found
            why = f"server returned {len(found)} groups for {len(chunk)}"
        except _Unavailable as exc:
            why = str(exc)
        except (ValueError, KeyError, TypeError) as exc:
            why = f"unreadable response: {exc}"[:300]
        return [failed_group(g, why, time.monotonic() - started) for g in chunk]

    async def verifiers(self) -> list[dict[str, Any]]:
        """The server's scorers (`GET /v1/verifiers`); raises `ClientError` or `VeriwardError` on failure."""
        try:
            response = await self._send("GET", "/v1/verifiers", None, time.monotonic() + self.deadline_s)
        except _Unavailable as exc:
            raise VeriwardError(str(exc)) from None
        found: list[dict[str, Any]] = response.json()["verifiers"]
        return found

    # -- internals --------------------------------------------------------------------------------

    async def _batch(self, chunk: list[dict[str, Any]], deadline: float) -> list[ScoreResult]:
        started = time.monotonic()
        try:
            response = await self._send("POST", "/v1/score/batch", {"requests": chunk}, deadline)
            results = [ScoreResult.model_validate(r) for r in response.json()["results"]]
        except _Unavailable as exc:
            elapsed = time.monotonic() - started
            return [failed_result(r, str(exc), exc.attempts, elapsed) for r in chunk]
        except (ValueError, KeyError, TypeError) as exc:
            # A 2xx we cannot read (a proxy page, a truncated body) is still an infrastructure failure.
            elapsed = time.monotonic() - started
            return [failed_result(r, f"unreadable response: {exc}"[:300], 1, elapsed) for r in chunk]
        if len(results) != len(chunk):
            elapsed = time.monotonic() - started
            why = f"server returned {len(results)} results for {len(chunk)} requests"
            return [failed_result(r, why, 1, elapsed) for r in chunk]
        return results

    def _backoff(self, attempt: int) -> float:
        # Full jitter: spreads the retries of many clients that failed at the same moment.
        return random.uniform(0.0, min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1)))

    async def _send(self, method: str, path: str, body: Any, deadline: float) -> httpx.Response:
        state = self._state()
        last = "no attempt made"
        attempt = 0
        while attempt < self.max_attempts:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            attempt += 1
            wait: float | None = None
            try:
                async with state.slots:
                    timeout = min(self.timeout_s, max(0.001, deadline - time.monotonic()))
                    response = await state.http.request(method, path, json=body, timeout=timeout)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            else:
                code = response.status_code
                if code < 400:
                    return response
                if code != 429 and code < 500:
                    raise ClientError(code, response.text[:1000])
                last = f"HTTP {code}: {response.text[:200]}"
                wait = _retry_after(response)
            if attempt >= self.max_attempts:
                break
            # After Retry-After, a little jitter keeps clients told the same time from returning together.
            wait = self._backoff(attempt) if wait is None else wait + random.uniform(0.0, self.backoff_s)
            if time.monotonic() + wait >= deadline:
                last += f" (next retry in {wait:.2f}s would pass the deadline)"
                break
            await asyncio.sleep(wait)
        raise _Unavailable(f"{attempt} attempt(s) failed within {self.deadline_s:g}s; last: {last}", attempt)


class Client:
    """The blocking front of `AsyncClient`, for scripts and synchronous reward functions.

    Calls run on one private event-loop thread, so a batch still goes out concurrently; the client is
    safe to share between threads.
    """

    def __init__(self, url: str | None = None, api_key: str | None = None, **kwargs: Any) -> None:
        self.aclient = AsyncClient(url, api_key, **kwargs)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="veriward-client", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return self.aclient.url

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def score(
        self,
        verifier: str,
        response: str,
        reference: Any = None,
        options: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> ScoreResult:
        result: ScoreResult = self._call(self.aclient.score(verifier, response, reference, options, **fields))
        return result

    def score_many(self, requests: Sequence[RequestLike]) -> list[ScoreResult]:
        results: list[ScoreResult] = self._call(self.aclient.score_many(requests))
        return results

    def score_groups(self, groups: Sequence[Mapping[str, Any]]) -> list[GroupResult]:
        found: list[GroupResult] = self._call(self.aclient.score_groups(groups))
        return found

    def verifiers(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._call(self.aclient.verifiers())
        return found

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._call(self.aclient.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_defaults: dict[str, Any] = {}
_defaults_lock = threading.Lock()


def default_async_client() -> AsyncClient:
    """The process-wide `AsyncClient` configured from `VERIWARD_URL` / `VERIWARD_API_KEY`."""
    with _defaults_lock:
        if "async" not in _defaults:
            _defaults["async"] = AsyncClient()
        client: AsyncClient = _defaults["async"]
        return client


def default_client() -> Client:
    """The process-wide blocking `Client` configured from `VERIWARD_URL` / `VERIWARD_API_KEY`."""
    with _defaults_lock:
        if "sync" not in _defaults:
            _defaults["sync"] = Client()
        client: Client = _defaults["sync"]
        return client

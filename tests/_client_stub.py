"""Loopback helpers for the client and integration tests.

`StubServer` is a small real HTTP server on 127.0.0.1 whose answers a test scripts: it counts requests
and the most in flight at once, can answer 503/422/429, hang, or forward to the real veriward server.
`DeadBackend` is a real in-process scorer whose backend is down: the way to make the real engine
return verdict `error` on demand (a crashed sandbox or toolchain cannot be arranged on purpose here).
`SlowAccept` holds each request 0.3 s, so that the server's admission limit is reached on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from veriward import verifiers
from veriward.errors import ScorerUnavailable
from veriward.verifiers.base import AsyncVerifier, Context, Outcome

Handler = Callable[["StubServer", Request, bytes], Awaitable[Response]]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class StubServer:
    """uvicorn on 127.0.0.1 serving `handler` for every path; counts hits and concurrency."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.hits = 0
        self.hit_times: list[float] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = Starlette(routes=[Route("/{path:path}", self._serve, methods=["GET", "POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def _serve(self, request: Request) -> Response:
        self.hits += 1
        self.hit_times.append(time.monotonic())
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self.handler(self, request, await request.body())
        finally:
            self.in_flight -= 1

    def __enter__(self) -> StubServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("stub server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def status(code: int, headers: dict[str, str] | None = None) -> Handler:
    """Always answer `code`."""

    async def handler(stub: StubServer, request: Request, body: bytes) -> Response:
        return JSONResponse({"detail": f"scripted {code}"}, status_code=code, headers=headers)

    return handler


def hang(seconds: float) -> Handler:
    """Answer nothing for `seconds` (a stuck server)."""

    async def handler(stub: StubServer, request: Request, body: bytes) -> Response:
        await asyncio.sleep(seconds)
        return JSONResponse({"detail": "too late"}, status_code=504)

    return handler


def forward(target: str, delay_s: float = 0.0, first: list[Response] | None = None) -> Handler:
    """Forward to the real server at `target` after `delay_s`; answer the scripted `first` ones first."""
    scripted = list(first or [])

    async def handler(stub: StubServer, request: Request, body: bytes) -> Response:
        if scripted:
            return scripted.pop(0)
        await asyncio.sleep(delay_s)
        headers = {"content-type": request.headers.get("content-type", "application/json")}
        async with httpx.AsyncClient(base_url=target, timeout=60) as http:
            upstream = await http.request(request.method, request.url.path, content=body, headers=headers)
        passed = {k: v for k, v in upstream.headers.items() if k.lower() == "retry-after"}
        return Response(upstream.content, upstream.status_code, headers=passed, media_type="application/json")

    return handler


class DeadBackend(AsyncVerifier):
    """An in-process scorer whose backend is unreachable: every call ends in verdict `error`."""

    name = "dead_backend"
    description = "test scorer whose backend is down"
    reference_help = "anything"

    async def acheck(self, response: str, reference: Any, options: Any, ctx: Context) -> Outcome:
        raise ScorerUnavailable("backend unreachable (test)")


class SlowAccept(AsyncVerifier):
    """An in-process scorer that takes 0.3 s and accepts anything: keeps requests queued on purpose."""

    name = "slow_accept"
    description = "test scorer that holds each request for 0.3 s"
    reference_help = "anything"

    async def acheck(self, response: str, reference: Any, options: Any, ctx: Context) -> Outcome:
        await asyncio.sleep(0.3)
        return Outcome.correct()


@contextlib.contextmanager
def registered(cls: type[AsyncVerifier]) -> Iterator[str]:
    """Register a test scorer defined here for the duration of a test and remove it after."""
    verifiers.register(cls.name, f"_client_stub:{cls.__name__}")
    try:
        yield cls.name
    finally:
        verifiers.unregister(cls.name)


def dead_backend_registered() -> contextlib.AbstractContextManager[str]:
    """Register `DeadBackend` for the duration of a test."""
    return registered(DeadBackend)

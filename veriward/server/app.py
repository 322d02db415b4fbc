"""FastAPI application factory."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from veriward._json import SafeJSONResponse
from veriward._version import __version__
from veriward.engine import Engine
from veriward.errors import Overloaded, RequestError
from veriward.metrics import CONTENT_TYPE, Metrics
from veriward.server._auth import ApiKeyMiddleware, KeyRing
from veriward.server._limits import BodyLimitMiddleware
from veriward.server._logging import RequestContextMiddleware
from veriward.server.routes import router
from veriward.settings import Settings, get_settings

log = logging.getLogger("veriward.server")

# Answers every endpoint may give besides its own, so that clients (and schema checks) expect them.
_COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or wrong API key (when the server has keys)."},
    413: {"description": "Request body over the server's limit (VERIWARD_MAX_BODY_BYTES)."},
    429: {"description": "A scorer's queue is full; retry after `Retry-After` seconds."},
}


class _ArrivalStamp:
    """Stamps each request with its arrival time: budgets count from here, body parsing included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["arrival"] = time.monotonic()
        await self.app(scope, receive, send)


class _StopClock:
    at: float | None = None  # monotonic time at which unfinished jobs answer `error`


# Kept back from uvicorn's graceful-shutdown timeout so that the last answers are sent before it cuts.
_ANSWER_MARGIN_S = 2.0


def _on_exit_signal(engine: Engine, grace: float) -> _StopClock:
    """Chain onto uvicorn's SIGTERM/SIGINT handlers: a shutdown gives jobs `grace` seconds in all.

    Past that (less a margin to send the answers) each unfinished job answers `error` ("retry it"), so
    a batch that outlives the grace still gets a complete 200 instead of a cut-off 500, and shutdown
    does not wait a second grace period.
    """
    clock = _StopClock()
    if threading.current_thread() is not threading.main_thread():
        return clock  # an in-process test server: its owner stops it
    loop = asyncio.get_running_loop()

    def chain(sig: int) -> None:
        previous = signal.getsignal(sig)

        def handler(signum: int, frame: Any) -> None:
            if clock.at is None:
                delay = max(0.0, grace - _ANSWER_MARGIN_S)
                clock.at = time.monotonic() + delay
                loop.call_soon_threadsafe(engine.stop_at, delay)
            if callable(previous):
                previous(signum, frame)

        signal.signal(sig, handler)

    for sig in (signal.SIGTERM, signal.SIGINT):
        chain(sig)
    return clock


def _error_body(message: str, field: str | None) -> dict[str, Any]:
    loc = ["body", *field.split(".")] if field else ["body"]
    return {"detail": [{"loc": loc, "msg": message, "type": "value_error"}]}


def _add_production_layers(app: FastAPI, settings: Settings, keys: KeyRing, metrics: Metrics) -> None:
    """`/metrics`, and the middleware: arrival stamp, request id + logs + metrics, API key, body limit."""
    metrics_doc: dict[int | str, dict[str, Any]] = {200: {"content": {CONTENT_TYPE: {}}}}

    @app.get("/metrics", tags=["meta"], response_class=Response, responses=metrics_doc)
    async def _metrics() -> Response:
        """Prometheus metrics: requests, verdicts per scorer, latencies, queue depth, sandbox and workers."""
        return Response(metrics.render(), media_type=CONTENT_TYPE)

    # Added innermost first.
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes, timeout=settings.body_timeout_s)
    if keys.enabled:
        app.add_middleware(ApiKeyMiddleware, keys=keys)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    app.add_middleware(_ArrivalStamp)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; `veriward serve` calls this as a uvicorn factory."""
    settings = settings or get_settings()
    keys = KeyRing(settings)  # fails here, at start-up, on an unreadable or empty keys file
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        token = metrics.activate()  # tasks the scorers start now record into this app's metrics
        engine = Engine(settings)
        await engine.start()
        metrics.bind(engine.queue_depth, engine.pool_restarts)
        app.state.engine = engine
        stop = _on_exit_signal(engine, settings.shutdown_grace_s)
        try:
            yield
        finally:
            # uvicorn has stopped accepting connections; admitted work has until the shutdown's deadline.
            left = settings.shutdown_grace_s if stop.at is None else stop.at - time.monotonic() + 1.0
            if not await engine.drain(max(0.5, left)):
                log.warning("shutdown: requests still in flight after %g s", settings.shutdown_grace_s)
            await engine.close()
            token.var.reset(token)

    app = FastAPI(
        default_response_class=SafeJSONResponse,
        title="veriward",
        version=__version__,
        description="Faithful scorers for reinforcement learning on language models.",
        lifespan=lifespan,
        responses=_COMMON_RESPONSES,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.include_router(router)
    from veriward.server._audit import router as audit_router  # POST /v1/audit

    app.include_router(audit_router)
    from veriward.server._trainers import router as trainers_router  # OpenRLHF / NeMo-Gym shapes

    app.include_router(trainers_router)

    @app.exception_handler(RequestError)
    async def _request_error(request: Request, exc: RequestError) -> JSONResponse:
        return JSONResponse(_error_body(exc.message, exc.field), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own handler echoes each error's input, which may be NaN or hold lone surrogates.
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        return SafeJSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        # FastAPI answers 400 for a body it cannot decode (not UTF-8); that is malformed JSON like any other.
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            why = "body is not valid JSON (not UTF-8 text, or nested too deeply)"
            return JSONResponse(_error_body(why, None), status_code=422)
        return await http_exception_handler(request, exc)

    @app.exception_handler(Overloaded)
    async def _overloaded(request: Request, exc: Overloaded) -> JSONResponse:
        headers = {"Retry-After": str(max(1, round(exc.retry_after)))}
        return JSONResponse({"detail": str(exc)}, status_code=429, headers=headers)

    _add_production_layers(app, settings, keys, metrics)
    return app
